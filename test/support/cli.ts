/** Spawns the built CLI (dist/, made by `npm test`'s build step) in a temporary directory. */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SECURE_STACK_BIN = path.join(REPO_ROOT, 'dist/bundle/secure-stack.js');
export const CREATE_BIN = path.join(REPO_ROOT, 'dist/bundle/create-secure-stack.js');


export const TEST_ENV = {
  GIT_AUTHOR_NAME: 'Secure Stack Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Secure Stack Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  NO_COLOR: '1',
  SOURCE_DATE_EPOCH: '1795651200', // 2026-11-27
};

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: { cwd: string; bin?: string; env?: Record<string, string>; input?: string } = { cwd: tmpdir() },
): Promise<CliResult> {
  if (!existsSync(SECURE_STACK_BIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  const result = await execa('node', [options.bin ?? SECURE_STACK_BIN, ...args], {
    cwd: options.cwd,
    env: { ...TEST_ENV, ...options.env },
    reject: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export function makeTempDir(prefix = 'secure-stack-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every file under dir (relative POSIX paths, sorted), skipping .git. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      if (name === '.git') continue;
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** A snapshot of a directory's files and contents, to prove that nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]));
}
