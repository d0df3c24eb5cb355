/**
 * docs/security/release-checklist.md and the runbook's drills (issue 11): the checklist is generated from the
 * catalog for the chosen layers, every gate it names is a job of the generated workflows, every control it
 * credits to `secure-stack check` has a check, the deploy needs it lists are exactly the deploy job's `needs:`,
 * and a control without a gate carries the catalog's manual verification. The runbook has a tabletop checklist
 * with a "Last run" date for each drill of the chosen layers.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { finaliseAnswers } from '../../../src/answers/resolve.js';
import { defaultAnswers, type Answers, type LayerName } from '../../../src/answers/schema.js';
import { ALL_CHECKS, checkFor } from '../../../src/check/registry.js';
import { controlsForLayers } from '../../../src/controls/catalog.js';
import { CONTROLS_WITH_CHECKS } from '../../../src/layers/docs/release-gates.js';
import { renderProject, type RenderedProject } from '../../../src/pipeline/generate.js';

const CHECKLIST = 'docs/security/release-checklist.md';
const RUNBOOK = 'docs/security/INCIDENT_RUNBOOK.md';
const ALL: LayerName[] = ['api', 'web', 'db', 'containers', 'ci', 'docs'];

async function render(overrides: Partial<Answers>): Promise<RenderedProject> {
  return renderProject({ answers: finaliseAnswers({ ...defaultAnswers('gate-demo'), ...overrides }), presets: [], generatedOn: '2026-11-27' });
}

function text(project: RenderedProject, file: string): string {
  const found = project.files.find((entry) => entry.path === file);
  if (found === undefined) throw new Error(`${file} was not generated`);
  return found.content.toString('utf8');
}

/** The cells of the markdown table rows that follow `## heading` (prettier pads them; markdown escapes are kept). */
function tableRows(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no "## ${heading}"`);
  const rest = markdown.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  const lines = (end < 0 ? rest : rest.slice(0, end)).split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
}

const jobsIn = (cell: string): string[] => [...cell.matchAll(/`([a-z0-9.-]+)`/g)].map((match) => match[1]!);

describe('the release checklist', () => {
  it('credits secure-stack check with exactly the controls it has a check for', () => {
    for (const id of CONTROLS_WITH_CHECKS) expect(checkFor(id), id).toBeDefined();
    // The copy in release-gates.ts (kept to spare rendering the parsers' load) must not miss a new check either.
    expect([...CONTROLS_WITH_CHECKS].sort()).toEqual(ALL_CHECKS.map((check) => check.controlId).sort());
  });

  for (const [label, overrides] of [
    ['all layers, aws', { layers: ALL, cloud: 'aws' }],
    ['api+db+ci, gcp (no images)', { layers: ['api', 'db', 'ci', 'docs'], cloud: 'gcp' }],
    ['api+containers+ci, azure', { layers: ['api', 'containers', 'ci', 'docs'], cloud: 'azure' }],
    ['all layers, no cloud', { layers: ALL, cloud: 'none' }],
  ] as Array<[string, Partial<Answers>]>) {
    it(`names only jobs of the generated workflows and lists the deploy job's needs exactly (${label})`, async () => {
      const project = await render(overrides);
      const markdown = text(project, CHECKLIST);
      const workflows = project.files.filter((file) => /^\.github\/workflows\/.*\.yml$/.test(file.path));
      const jobs = new Map<string, string>();
      for (const file of workflows) {
        for (const id of Object.keys((parse(file.content.toString('utf8')) as { jobs: Record<string, unknown> }).jobs)) jobs.set(id, file.path.split('/').pop()!);
      }
      const gates = tableRows(markdown, 'The gates');
      expect(gates.length).toBeGreaterThan(3);
      for (const [job, workflow] of gates) expect(jobs.get(jobsIn(job!)[0]!), `${job} in ${workflow}`).toBe(jobsIn(workflow!)[0]);

      const rows = tableRows(markdown, 'Controls and their gates');
      const controls = controlsForLayers(overrides.layers!);
      expect(rows.map((row) => row[0])).toEqual(controls.map((control) => control.id));
      for (const [index, row] of rows.entries()) {
        const [, , gateCell = '', layerCell = '', manual = ''] = row;
        for (const job of [...jobsIn(gateCell), ...jobsIn(layerCell)]) expect(jobs.has(job), `${row[0]}: ${job}`).toBe(true);
        if (jobsIn(gateCell).length === 0) expect(manual.replace(/\\/g, ''), row[0]).toBe(controls[index]!.verify);
        if (jobsIn(gateCell).includes('secure-stack-check')) expect(checkFor(row[0]!), row[0]).toBeDefined();
      }

      const ci = parse(workflows.find((file) => file.path === '.github/workflows/ci.yml')!.content.toString('utf8')) as { jobs: Record<string, { needs?: string[] }> };
      const section = markdown.slice(markdown.indexOf('## The release gate'), markdown.indexOf('## Before each release'));
      const listed = [...section.matchAll(/^- `([a-z0-9-]+)`$/gm)].map((match) => match[1]!).sort();
      if (ci.jobs.deploy) {
        expect(listed).toEqual([...ci.jobs.deploy.needs!].sort());
        expect(section).toContain('.github/workflows/rollback.yml');
      } else {
        expect(section).toContain('No deploy job is generated here');
        expect(listed).toContain('secure-stack-check');
        for (const job of listed) expect(jobs.has(job), job).toBe(true);
      }
    });
  }

  it('without the ci layer, every control is verified by hand', async () => {
    const project = await render({ layers: ['api', 'db', 'docs'] });
    const markdown = text(project, CHECKLIST);
    expect(markdown).toContain('No CI workflows are generated here');
    const rows = tableRows(markdown, 'Controls and their gates');
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(row[2], row[0]).toBe('none');
      expect(row[4], row[0]).not.toBe('—');
    }
    expect(tableRows(markdown, 'The gates')).toEqual([]);
  });
});

describe('the runbook drills', () => {
  it('has a tabletop checklist with a last-run date for each drill of the chosen layers, and only those', async () => {
    for (const layers of [ALL, ['api', 'ci', 'docs'], ['web', 'docs'], ['db', 'docs']] as LayerName[][]) {
      const project = await render({ layers, cloud: 'aws' });
      const markdown = text(project, RUNBOOK);
      const drills = markdown.slice(markdown.indexOf('\n## Drills\n'), markdown.indexOf('\n## Drill log\n'));
      const headings = [...drills.matchAll(/^### (.+)$/gm)].map((match) => match[1]);
      expect(headings, layers.join()).toEqual([
        ...(layers.includes('api') ? ['Signing-key rotation'] : []),
        ...(layers.includes('db') ? ['Database credential rotation'] : []),
        ...(layers.includes('web') ? ['Web session-key rotation'] : []),
        'Rollback',
      ]);
      for (const part of drills.split(/^### /m).slice(1)) {
        expect(part, part.split('\n')[0]).toMatch(/^- \[ \] /m);
        expect(part, part.split('\n')[0]).toMatch(/^Last run: /m);
      }
      if (layers.includes('api')) expect(drills).toContain('python3 -m drills.signing_key_rotation');
    }
  });
});
