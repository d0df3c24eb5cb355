/**
 * Mutation tests of a generated repository: copy it, change one thing, check the copy, and see that exactly
 * the finding of the control that the change breaks appears, at the right file and line.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import type { Finding } from '../../src/check/finding.js';
import type { CheckFamily } from '../../src/check/registry.js';
import { checkRepository, type CheckResult } from '../../src/check/run.js';
import { makeTempDir } from '../support/cli.js';

export interface MutatorOptions {
  /** The repository to copy: a getter, as it is usually generated in a beforeAll. */
  source: () => string;
  /** Where each copy is registered, for the test file's afterAll to remove. */
  dirs: string[];
  /** The controls whose findings count (`/^API-/`). */
  controls: RegExp;
  /** The check families to run [all]: a mutant that needs only its own family checks faster. */
  families?: readonly CheckFamily[];
}

export interface Mutant {
  /** The copy that was checked. */
  dir: string;
  /** The edited file's new text ('' when the edit deleted it or when a whole-repository edit was made). */
  text: string;
  result: CheckResult;
  /** The findings of the counted controls. */
  findings: Finding[];
  /** Those findings as [controlId, file, line]. */
  found: Array<[string, string, number]>;
}

export function mutator(options: MutatorOptions) {
  const copy = (): string => {
    const dir = makeTempDir('secure-stack-mutant-');
    options.dirs.push(dir);
    cpSync(options.source(), dir, { recursive: true });
    return dir;
  };
  const checked = (dir: string, text: string): Mutant => {
    const result = checkRepository(dir, options.families ?? {});
    const findings = result.findings.filter((finding) => options.controls.test(finding.controlId));
    return { dir, text, result, findings, found: findings.map((finding) => [finding.controlId, finding.file, finding.line]) };
  };
  return {
    /** Replaces `file` of a fresh copy with what `edit` makes of its text (undefined deletes it); the edit must change the file. */
    mutateFile(file: string, edit: (text: string) => string | undefined): Mutant {
      const dir = copy();
      const target = path.join(dir, file);
      const original = readFileSync(target, 'utf8');
      const text = edit(original);
      expect(text).not.toBe(original);
      if (text === undefined) rmSync(target);
      else writeFileSync(target, text);
      return checked(dir, text ?? '');
    },
    /** Lets `edit` change a fresh copy as it likes (add, remove or edit several files). */
    mutateRepo(edit: (dir: string) => void): Mutant {
      const dir = copy();
      edit(dir);
      return checked(dir, '');
    },
  };
}
