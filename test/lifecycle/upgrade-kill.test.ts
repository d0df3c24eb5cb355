/**
 * Kill tests: the built CLI's `upgrade` is SIGKILLed at many points, from start-up to the last rename.
 * Afterwards the repository is byte-identical to before, or byte-identical to an uninterrupted upgrade, or
 * holds a journal that the next `secure-stack upgrade` completes into exactly that; never anything else.
 * SECURE_STACK_TEST_PAUSE_MS (test-only) sleeps before each rename, so kills land inside the commit.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, SECURE_STACK_BIN } from '../support/cli.js';
import { commitAll, editFile, generatedGitRepo, git, LIFECYCLE_ENV } from './repo.js';

const UPGRADE = ['upgrade', '--set', 'cloud=gcp', '--yes'];
const PAUSE_MS = 150;
const JOURNAL = '.git/secure-stack/upgrade/journal.json';

/** Every file but .git's, with its content and executable bit. */
function state(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(dir, relative))) {
      const child = relative === '' ? name : `${relative}/${name}`;
      if (child === '.git') continue;
      const stat = statSync(path.join(dir, child));
      if (stat.isDirectory()) walk(child);
      else files[child] = `${stat.mode & 0o111 ? 'x' : '-'} ${readFileSync(path.join(dir, child), 'utf8')}`;
    }
  };
  walk('');
  return files;
}

interface Spawned {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Runs the built CLI in `dir`; `killWhen` decides (polled every 2 ms) when to SIGKILL it. */
function runUpgrade(dir: string, args: string[], killWhen?: (elapsedMs: number) => boolean): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [SECURE_STACK_BIN, ...args], { cwd: dir, env: { ...LIFECYCLE_ENV, SECURE_STACK_TEST_PAUSE_MS: String(PAUSE_MS) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const started = Date.now();
    const timer = killWhen
      ? setInterval(() => {
          if (killWhen(Date.now() - started)) {
            child.kill('SIGKILL');
            clearInterval(timer);
          }
        }, 2)
      : undefined;
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      if (timer) clearInterval(timer);
      resolve({ exitCode, signal, stdout });
    });
  });
}

let pristine: string;
let before: Record<string, string>;
let after: Record<string, string>;
let fullRunMs: number;
const scratch: string[] = [];

function copyOfPristine(): string {
  const dir = path.join(makeTempDir('secure-stack-kill-'), 'repo');
  cpSync(pristine, dir, { recursive: true });
  scratch.push(path.dirname(dir));
  return dir;
}

beforeAll(async () => {
  if (!existsSync(SECURE_STACK_BIN)) throw new Error('dist/ is missing: run `npm run build` first');
  pristine = await generatedGitRepo({ cloud: 'aws' });
  editFile(pristine, '.github/workflows/ci.yml', '  push:\n    branches: [main]', '  push:\n    branches: [main, release/*]');
  commitAll(pristine, 'our edit');
  before = state(pristine);
  const reference = copyOfPristine();
  const started = Date.now();
  const result = await runUpgrade(reference, UPGRADE);
  fullRunMs = Date.now() - started;
  expect(result.exitCode, result.stdout).toBe(0);
  after = state(reference);
}, 120_000);
afterAll(() => {
  removeDir(pristine);
  for (const dir of scratch) removeDir(dir);
});

async function expectBeforeOrAfter(dir: string): Promise<'before' | 'after' | 'completed'> {
  if (existsSync(path.join(dir, JOURNAL))) {
    const next = await runUpgrade(dir, ['upgrade', '--yes']);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toContain('completed an interrupted upgrade first');
    expect(state(dir)).toEqual(after);
    expect(existsSync(path.join(dir, '.git/secure-stack/upgrade'))).toBe(false);
    return 'completed';
  }
  const now = state(dir);
  if (JSON.stringify(now) === JSON.stringify(after)) return 'after';
  expect(now).toEqual(before);
  expect(git(dir, ['status', '--porcelain'])).toBe('');
  return 'before';
}

describe('upgrade killed with SIGKILL', () => {
  it('the reference run changed the repository (the kills below have something to interrupt)', () => {
    expect(after).not.toEqual(before);
    expect(Object.keys(after).filter((file) => after[file] !== before[file]).length).toBeGreaterThanOrEqual(4);
  });

  it('at points spread over the whole run: before or after, never between', async () => {
    const outcomes: string[] = [];
    for (const fraction of [0.05, 0.5, 0.9]) {
      const dir = copyOfPristine();
      const result = await runUpgrade(dir, UPGRADE, (elapsed) => elapsed >= fraction * fullRunMs);
      outcomes.push(`${fraction}:${result.signal ?? result.exitCode}:${await expectBeforeOrAfter(dir)}`);
    }
    expect(outcomes.some((outcome) => outcome.endsWith(':before'))).toBe(true);
  }, 120_000);

  it('during the renames (after the journal exists): the next upgrade completes it', async () => {
    const outcomes: string[] = [];
    // Each rename is preceded by a PAUSE_MS sleep: kill inside the 1st, 2nd, ... sleep, plus random offsets.
    const offsets = [0.5, 2.5, 4.5].map((slot) => slot * PAUSE_MS).concat([Math.random() * 4.5 * PAUSE_MS]);
    for (const offset of offsets) {
      const dir = copyOfPristine();
      let journalSeenAt: number | undefined;
      const result = await runUpgrade(dir, UPGRADE, (elapsed) => {
        if (journalSeenAt === undefined && existsSync(path.join(dir, JOURNAL))) journalSeenAt = elapsed;
        return journalSeenAt !== undefined && elapsed - journalSeenAt >= offset;
      });
      // Under heavy load a late kill can miss the end of the run; the outcome must still be one of the three.
      if (result.signal !== 'SIGKILL') expect(result.exitCode).toBe(0);
      outcomes.push(await expectBeforeOrAfter(dir));
    }
    expect(outcomes.filter((outcome) => outcome === 'completed').length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
