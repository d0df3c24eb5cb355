/** Real git repositories made from the fixture repos, and `secure-stack add` run in-process on them. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRepository } from '../../src/check/run.js';
import { main } from '../../src/cli/main.js';
import { listFiles, makeTempDir, TEST_ENV } from '../support/cli.js';
import { capturedIO } from '../support/streams.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...TEST_ENV }, encoding: 'utf8' });
}

/** A fresh git repository holding the fixture, everything committed. */
export function fixtureRepo(name: string): string {
  const dir = makeTempDir(`secure-stack-add-${name}-`);
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--no-verify', '-m', 'fixture');
  return dir;
}

export interface AddRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runAddIn(dir: string, args: string[]): Promise<AddRun> {
  const io = capturedIO(dir);
  const exitCode = await main(['add', ...args], io);
  return { exitCode, stdout: io.stdout.text, stderr: io.stderr.text };
}

/** Every file's text (skipping .git). */
export function contents(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]));
}

/** Lines of `before` missing from `after` (in order), empty when every original line is still there. */
export function lostLines(before: string, after: string): string[] {
  const afterLines = after.split(/\r?\n/);
  const lost: string[] = [];
  let index = 0;
  for (const line of before.split(/\r?\n/)) {
    const found = afterLines.indexOf(line, index);
    if (found < 0) lost.push(line);
    else index = found + 1;
  }
  return lost;
}

/** Active (unsuppressed) findings of `check`, as `controlId file:line`. */
export function activeFindings(dir: string): string[] {
  return checkRepository(dir)
    .findings.filter((finding) => finding.suppression === undefined)
    .map((finding) => `${finding.controlId} ${finding.file}:${finding.line}`);
}

export function fileExists(dir: string, file: string): boolean {
  return existsSync(path.join(dir, file));
}
