/**
 * Property: whatever a user edits (lines inserted, deleted, changed; whole files deleted) in a generated
 * repository, an upgrade to other answers never silently loses an edit: every line the user wrote is in
 * the result, merged or inside a conflict block. Driven through planFileChanges, the decision core of
 * `upgrade` (the git and disk parts are proven by upgrade.test.ts); each answer set is rendered once.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/answers/schema.js';
import { isBinary, splitLines } from '../../src/lifecycle/merge.js';
import { planFileChanges, type RepositoryFile } from '../../src/lifecycle/upgrade.js';
import { renderProject, type RenderedProject } from '../../src/pipeline/generate.js';
import { testAnswers, TEST_GENERATED_ON } from '../support/project.js';

const BASE_ANSWERS: Partial<Answers> = { cloud: 'aws', multiTenant: true };
const CHANGED_ANSWERS: Array<Partial<Answers>> = [
  { ...BASE_ANSWERS, multiTenant: false },
  { ...BASE_ANSWERS, cloud: 'gcp' },
  { ...BASE_ANSWERS, securityContact: 'mailto:psirt@corp.example' },
];
const LABELS = { ours: 'yours', base: 'template 0.1.0', theirs: 'template 0.1.0' };

let base: RenderedProject;
let changed: RenderedProject[];
let textFiles: string[];
/** Text files some changed answer set renders differently: where merges and conflicts happen. */
let changingFiles: string[];
beforeAll(async () => {
  const render = (answers: Partial<Answers>) => renderProject({ answers: testAnswers(answers), presets: [], generatedOn: TEST_GENERATED_ON });
  [base, ...changed] = await Promise.all([render(BASE_ANSWERS), ...CHANGED_ANSWERS.map(render)]);
  textFiles = base.files.filter((file) => !isBinary(file.content)).map((file) => file.path);
  changingFiles = textFiles.filter((filePath) =>
    changed.some((project) => !project.files.find((file) => file.path === filePath)?.content.equals(base.files.find((file) => file.path === filePath)!.content)),
  );
}, 120_000);

type Edit = { kind: 'insert' | 'change' | 'delete'; at: number; text: string };
interface FileEdits {
  /** Pick among the files the new answers change (else among all text files). */
  changingFile: boolean;
  file: number;
  deleteFile: boolean;
  edits: Edit[];
}

/** A line the user wrote: recognisable, so the check finds it whatever the templates contain. */
const userLine = fc.string({ maxLength: 30 }).map((text) => text.replace(/[\r\n]/g, ' '));
const editArbitrary: fc.Arbitrary<Edit> = fc.record({ kind: fc.constantFrom('insert', 'change', 'delete'), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), text: userLine });
const fileEditsArbitrary: fc.Arbitrary<FileEdits> = fc.record({
  changingFile: fc.boolean(),
  file: fc.nat(),
  deleteFile: fc.nat({ max: 9 }).map((roll) => roll === 0),
  edits: fc.array(editArbitrary, { minLength: 1, maxLength: 6 }),
});

/** Applies the edits; returns the new text and the lines the user wrote (tagged with their number to make them unique). */
function applyEdits(text: string, edits: readonly Edit[], tag: string): { text: string; written: string[] } {
  const lines = splitLines(text);
  const written: string[] = [];
  edits.forEach((edit, index) => {
    const position = Math.min(lines.length, Math.floor(edit.at * (lines.length + 1)));
    const line = `«${tag}.${index}» ${edit.text}\n`;
    if (edit.kind === 'insert') {
      lines.splice(position, 0, line);
      written.push(line);
    } else if (position < lines.length) {
      if (edit.kind === 'change') {
        lines[position] = line;
        written.push(line);
      } else lines.splice(position, 1);
    }
  });
  // A user line that was later deleted or overwritten by a later edit is not an edit that survives in ours.
  const final = lines.join('');
  return { text: final, written: written.filter((line) => lines.includes(line)) };
}

describe('upgrade never silently loses a user edit', () => {
  it('every line the user wrote is in the result (merged, or inside a conflict block)', () => {
    const recorded = base.manifest.files;
    const baseContents = new Map(base.files.map((file) => [file.path, file.content]));
    const seen = { MERGE: 0, CONFLICT: 0, KEEP: 0 };
    fc.assert(
      fc.property(fc.nat({ max: CHANGED_ANSWERS.length - 1 }), fc.array(fileEditsArbitrary, { minLength: 1, maxLength: 5 }), (answerIndex, fileEdits) => {
        const theirsProject = changed[answerIndex]!;
        const theirs = new Map(theirsProject.files.map((file) => [file.path, file]));
        const ours = new Map<string, RepositoryFile>(base.files.map((file) => [file.path, { content: file.content, executable: file.executable }]));
        const written = new Map<string, string[]>();
        const deleted = new Set<string>();
        fileEdits.forEach((edit, editIndex) => {
          const pool = edit.changingFile ? changingFiles : textFiles;
          const filePath = pool[edit.file % pool.length]!;
          if (edit.deleteFile) {
            ours.delete(filePath);
            deleted.add(filePath);
            written.delete(filePath);
            return;
          }
          const current = ours.get(filePath);
          if (current === undefined) return;
          const result = applyEdits(current.content.toString('utf8'), edit.edits, `user-${editIndex}`);
          ours.set(filePath, { content: Buffer.from(result.text), executable: current.executable });
          const surviving = (written.get(filePath) ?? []).filter((line) => splitLines(result.text).includes(line));
          written.set(filePath, [...surviving, ...result.written]);
        });

        const steps = planFileChanges({ recorded, base: baseContents, theirs, ours: (filePath) => ours.get(filePath), labels: LABELS });
        const stepFor = new Map(steps.map((step) => [step.path, step]));
        for (const step of steps) if (step.action in seen) seen[step.action as keyof typeof seen]++;
        const resultOf = (filePath: string): string | undefined => {
          const step = stepFor.get(filePath);
          if (step === undefined || step.action === 'KEEP' || (step.action === 'CONFLICT' && step.content === undefined)) return ours.get(filePath)?.content.toString('utf8');
          if (step.action === 'DELETE') return undefined;
          return step.content!.toString('utf8');
        };

        for (const [filePath, lines] of written) {
          const result = resultOf(filePath);
          expect(result, `${filePath} disappeared`).toBeDefined();
          const resultLines = splitLines(result!);
          for (const line of lines) expect(resultLines, `${filePath} lost ${JSON.stringify(line)}`).toContain(line);
          const markers = resultLines.filter((line) => /^(<<<<<<< yours|\|\|\|\|\|\|\| template|=======|>>>>>>> template)/.test(line));
          expect(markers.length % 4, `${filePath}: unbalanced conflict markers`).toBe(0);
          // Where the template did not change the file, the user's version is kept byte for byte.
          if (theirs.get(filePath)?.content.equals(baseContents.get(filePath)!)) expect(result).toBe(ours.get(filePath)!.content.toString('utf8'));
        }
        for (const filePath of deleted) expect(resultOf(filePath), `${filePath} was recreated`).toBeUndefined();
        // An untouched file becomes exactly the new render.
        for (const file of theirsProject.files) {
          if (written.has(file.path) || deleted.has(file.path)) continue;
          expect(resultOf(file.path), file.path).toBe(file.content.toString('utf8'));
        }
      }),
      { numRuns: 300 },
    );
    // The runs reached the interesting cases: clean merges, conflicts, and files the user deleted.
    expect(seen.MERGE).toBeGreaterThan(0);
    expect(seen.CONFLICT).toBeGreaterThan(0);
    expect(seen.KEEP).toBeGreaterThan(0);
  }, 60_000);
});
