import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
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
