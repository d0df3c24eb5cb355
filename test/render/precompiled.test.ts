/**
 * Templates compiled ahead of time (templates/precompiled.mjs) render exactly what compiling them at run time
 * renders, for the full stack and every answer set of scripts/preformat-answer-sets.json; a spec is used only
 * for the source it was made from and the compiler revision that made it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LAYER_IDS } from '../../src/answers/schema.js';
import { renderProject } from '../../src/pipeline/generate.js';
import { compileTemplate, compilerRevision, precompileTemplate, usePrecompiledTemplates, type PrecompiledTemplate } from '../../src/render/handlebars.js';
import { PINS_FILE, packagePins, parsePins, resolvePins, usePrecomputedPins, type ResolvedPins } from '../../src/layers/ci/pins.js';
import { PRECOMPILED_FILE, TEMPLATES_DIR } from '../../src/render/templates.js';
import { answerSetRenderInputs } from '../../scripts/answer-sets.mjs';
import { REPO_ROOT } from '../support/cli.js';

const shipped = (await import(pathToFileURL(path.join(TEMPLATES_DIR, PRECOMPILED_FILE)).href)) as {
  compilerRevision: number;
  templates: Record<string, PrecompiledTemplate>;
  actionPins: { sha256: string; resolved: ResolvedPins };
};
const useShipped = (): void => usePrecompiledTemplates(shipped.templates, shipped.compilerRevision);
const useNone = (): void => usePrecompiledTemplates({}, compilerRevision());
afterAll(useShipped);

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const evaluate = (spec: string): object => new Function(`return ${spec};`)() as object;

describe('precompiled templates', () => {
  it('cover the shipped templates (run scripts/precompile-templates.mjs after changing one)', () => {
    const sources = readdirSync(TEMPLATES_DIR, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.hbs'))
      .map((entry) => path.relative(TEMPLATES_DIR, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
    const current = sources.filter((template) => shipped.templates[template]?.sha256 === sha256(readFileSync(path.join(TEMPLATES_DIR, template), 'utf8')));
    expect(sources.length).toBeGreaterThan(30);
    expect(current.length / sources.length).toBeGreaterThan(0.8);
    expect(shipped.compilerRevision).toBe(compilerRevision());
  });

  for (const { name, input } of answerSetRenderInputs(REPO_ROOT, LAYER_IDS)) {
    it(`render the same bytes as compiling at run time: ${name}`, async () => {
      useShipped();
      const ahead = await renderProject(input, 'none');
      useNone();
      const compiled = await renderProject(input, 'none');
      useShipped();
      expect(ahead.files.map((file) => file.path)).toEqual(compiled.files.map((file) => file.path));
      for (const [index, file] of ahead.files.entries()) expect(file.content.equals(compiled.files[index]!.content), file.path).toBe(true);
    }, 60_000);
  }

  it('carry the action pins as data/actions-pins.yaml resolves them, used only for that file', () => {
    const raw = readFileSync(path.join(REPO_ROOT, PINS_FILE));
    const parsed = resolvePins(parsePins(raw.toString('utf8')));
    expect(shipped.actionPins.sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(shipped.actionPins.resolved).toEqual(parsed);
    usePrecomputedPins(shipped.actionPins);
    expect(packagePins()).toEqual(parsed);
    const altered = structuredClone(shipped.actionPins);
    altered.resolved.actionlint = 'from the precomputed entry';
    usePrecomputedPins(altered);
    expect(packagePins().actionlint).toBe('from the precomputed entry');
    usePrecomputedPins({ ...altered, sha256: '0'.repeat(64) }); // another file: parsed again
    expect(packagePins()).toEqual(parsed);
    usePrecomputedPins(shipped.actionPins);
  });

  it('use a spec only for the source it was made from', () => {
    // A spec that renders something else than its recorded source shows which of the two ran.
    usePrecompiledTemplates({ 'x.hbs': { sha256: sha256('A'), spec: evaluate(precompileTemplate('from the spec', 'x.hbs')) } }, compilerRevision());
    expect(compileTemplate('A', 'x.hbs')({})).toBe('from the spec');
    expect(compileTemplate('B {{ident name}}', 'x.hbs')({ name: 'b' })).toBe('B b'); // edited since: compiled
    useShipped();
  });

  it('ignore specs of another compiler revision', () => {
    usePrecompiledTemplates({ 'y.hbs': { sha256: sha256('C'), spec: evaluate(precompileTemplate('D', 'y.hbs')) } }, compilerRevision() + 1);
    expect(compileTemplate('C', 'y.hbs')({})).toBe('C');
    useShipped();
  });

  it('still check a template that is compiled at run time (no escaper, no render)', () => {
    useNone();
    expect(() => compileTemplate('{{name}}', 'z.hbs')).toThrow(/without an escaper/);
    useShipped();
  });
});
