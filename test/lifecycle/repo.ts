/** Generated repositories under real git for the lifecycle tests, and the CLI run in-process against them. */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { Answers } from '../../src/answers/schema.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/output.js';
import { MANIFEST_FILE, parseManifest, serializeManifest, type Manifest } from '../../src/manifest/manifest.js';
import { TEST_ENV, type CliResult } from '../support/cli.js';
import { generateProject } from '../support/project.js';

/** Git and the CLI see the test identity, no colours, and none of the developer's git settings. */
export const LIFECYCLE_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...TEST_ENV,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(dir: string, args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: LIFECYCLE_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function commitAll(dir: string, message: string): void {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '--no-verify', '--allow-empty', '-m', message]);
}

/** A generated project, committed in a fresh git repository. */
export async function generatedGitRepo(overrides: Partial<Answers> = {}): Promise<string> {
  const { dir } = await generateProject(overrides);
  git(dir, ['init', '-q', '-b', 'main']);
  commitAll(dir, 'Initial commit from create-secure-stack');
  return dir;
}

export function readText(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), 'utf8');
}

export function writeText(dir: string, file: string, text: string): void {
  writeFileSync(path.join(dir, file), text);
}

export function removeFile(dir: string, file: string): void {
  rmSync(path.join(dir, file));
}

/** Replaces the first occurrence of `search` in a file, failing loudly when it is not there (a template changed). */
export function editFile(dir: string, file: string, search: string, replacement: string): void {
  const text = readText(dir, file);
  if (!text.includes(search)) throw new Error(`${file} does not contain ${JSON.stringify(search)}`);
  writeText(dir, file, text.replace(search, replacement));
}

export function readRepoManifest(dir: string): Manifest {
  return parseManifest(readText(dir, MANIFEST_FILE));
}

export function writeRepoManifest(dir: string, change: (manifest: Manifest) => Manifest): void {
  writeText(dir, MANIFEST_FILE, serializeManifest(change(readRepoManifest(dir))));
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** A CliIO whose output is captured (no terminal). */
export function captureIO(cwd: string): { io: CliIO; stdout: () => string; stderr: () => string } {
  const stdout = new Capture();
  const stderr = new Capture();
  return { io: { stdin: new PassThrough(), stdout, stderr, env: LIFECYCLE_ENV, cwd }, stdout: () => stdout.text, stderr: () => stderr.text };
}

/** `secure-stack <args>` in-process (faster than spawning; the kill tests spawn the built CLI). */
export async function secureStack(args: string[], cwd: string): Promise<CliResult> {
  const { io, stdout, stderr } = captureIO(cwd);
  const exitCode = await main(args, io);
  return { exitCode, stdout: stdout(), stderr: stderr() };
}
