import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { makeTempDir } from '../support/cli.js';
import { checkRepository } from '../../src/check/run.js';
import type { Finding } from '../../src/check/finding.js';

export const SHA = '3d3c42e5aac5ba805825da76410c181273ba90b1';

/** Writes files into a fresh temporary directory. */
export function writeRepo(files: Record<string, string>): string {
  const dir = makeTempDir('secure-stack-check-');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

export function findingsFor(dir: string, controlId?: string): Finding[] {
  const { findings } = checkRepository(dir);
  return controlId === undefined ? findings : findings.filter((finding) => finding.controlId === controlId);
}

/**
 * 1-based [line, column] of the first occurrence of `needle` in `text` — searched from the first occurrence of
 * `after` when given — moved `offset` characters on.
 */
export function positionOf(text: string, needle: string, { after, offset = 0 }: { after?: string; offset?: number } = {}): [number, number] {
  const from = after === undefined ? 0 : text.indexOf(after);
  if (from < 0) throw new Error(`not in the text: ${after}`);
  const index = text.indexOf(needle, from);
  if (index < 0) throw new Error(`not in the text: ${needle}`);
  const before = text.slice(0, index + offset);
  return [before.split('\n').length, index + offset - before.lastIndexOf('\n')];
}

/** 1-based line of the first occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string): number {
  return positionOf(text, needle)[0];
}

/** Fixes the clock at `now` during every test of the calling file (expiry dates such as security.txt's are judged against it). */
export function fixClockAt(now: Date): void {
  beforeEach(() => {
    vi.setSystemTime(now);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** A workflow that passes every CI check, to mutate. */
export function goodWorkflow(body = ''): string {
  return `name: ok
on: [push]
permissions: {}
jobs:
  build:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@${SHA} # v4.2.2
        with:
          persist-credentials: false
${body}`;
}
