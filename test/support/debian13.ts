/**
 * Runs a generated project's pytest suite on Debian 13 (trixie)'s own Python packages (FastAPI 0.115,
 * pydantic 2), in the chroot that `.ci/debian13-root.sh` builds, while the host's /usr/bin/python3 covers
 * Debian 12's (FastAPI 0.92, pydantic 1.10). Needs root (chroot); `.ci/run` exports
 * SECURE_STACK_DEBIAN13_ROOT from the script's last line of output.
 */
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

export { DEBIAN13_DEFAULT_ROOT, DEBIAN13_STAMP, debian13Root } from '../../scripts/debian13-root.mjs';
/** Generous: the generated suites take seconds, but a hung test must not hang CI. */
const PYTEST_TIMEOUT_MS = 10 * 60_000;
/** Never copied into the root: caches and environments that belong to the host. */
const SKIP_NAMES = new Set(['__pycache__', '.pytest_cache', '.venv', 'venv', 'node_modules', '.git', '.mypy_cache']);

export interface PytestRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  passed: number;
  /** Failed tests plus errors (setup, teardown and collection errors), so `failed === 0` means clean. */
  failed: number;
}

/**
 * Counts from pytest's final summary line ("1 failed, 3 passed in 0.12s", "2 passed, 1 error in …",
 * "no tests ran in …"); errors count as failed. A run that printed no summary (pytest crashed, the
 * command was not found) gives 0 and 0: callers should assert on exitCode too.
 */
export function parsePytestSummary(stdout: string): { passed: number; failed: number } {
  const lines = stdout.split(/\r?\n/).map((line) => line.replace(/^=+\s*|\s*=+$/g, '').trim());
  const summary = [...lines]
    .reverse()
    .find((line) => /^(no tests ran|\d+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?))\b.* in [\d.]+s\b/.test(line));
  if (summary === undefined) return { passed: 0, failed: 0 };
  const count = (pattern: RegExp): number => {
    const match = pattern.exec(summary);
    return match?.[1] === undefined ? 0 : Number(match[1]);
  };
  return {
    passed: count(/(\d+) passed\b/),
    failed: count(/(\d+) failed\b/) + count(/(\d+) errors?\b/),
  };
}

/**
 * Copies `<projectDir>/<subdir>` into a fresh directory under `<root>/tmp/` (nothing outside the root is
 * visible inside the chroot), runs `python3 -m pytest -q -p no:cacheprovider ...args` there with an empty
 * environment, and always removes the copy. The chroot shares the host's network, so loopback works.
 */
export async function runPytestInDebian13(
  root: string,
  projectDir: string,
  subdir = 'api',
  args: string[] = [],
): Promise<PytestRun> {
  const source = path.resolve(projectDir, subdir);
  if (!existsSync(source) || !statSync(source).isDirectory()) throw new Error(`no directory to test at ${source}`);
  const rootTmp = path.join(root, 'tmp');
  if (!existsSync(path.join(root, 'usr/bin/python3'))) throw new Error(`${root} is not a Debian 13 root with python3`);
  const copy = mkdtempSync(path.join(rootTmp, 'secure-stack-pytest-'));
  try {
    cpSync(source, copy, {
      recursive: true,
      dereference: true, // a symlink to a host path would dangle inside the chroot
      filter: (from) => !SKIP_NAMES.has(path.basename(from)),
    });
    const inside = `/tmp/${path.basename(copy)}`;
    const result = await execa(
      'chroot',
      [
        root,
        '/usr/bin/env',
        '-i',
        'PATH=/usr/bin:/bin',
        'HOME=/tmp',
        'PYTHONDONTWRITEBYTECODE=1',
        '/bin/sh',
        '-c',
        'cd "$1" && shift && exec python3 -m pytest -q -p no:cacheprovider "$@"',
        'pytest-in-debian13',
        inside,
        ...args,
      ],
      { reject: false, stdin: 'ignore', timeout: PYTEST_TIMEOUT_MS },
    );
    const stdout = String(result.stdout);
    return {
      exitCode: result.exitCode ?? -1,
      stdout,
      stderr: String(result.stderr),
      ...parsePytestSummary(stdout),
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
