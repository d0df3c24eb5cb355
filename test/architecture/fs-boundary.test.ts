/**
 * Only the Tree's disk adapter touches the filesystem: every other module reads and writes through the
 * Tree (or the disk adapter's narrow helpers), which is what makes dry-run, plans and path checks hold.
 * Checked on the built JavaScript with a real ES module lexer, static and dynamic imports alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { init, parse } from 'es-module-lexer';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const FS_MODULES = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'graceful-fs', 'fs-extra']);
const ALLOWED = new Set(['tree/disk.js']);

/** The per-module tsc output; dist/bundle/ merges these same modules into chunks, where no boundary is visible. */
function builtModules(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return dir === base && entry.name === 'bundle' ? [] : builtModules(full, base);
    return entry.name.endsWith('.js') ? [path.relative(base, full).split(path.sep).join('/')] : [];
  });
}

async function fsImporters(dist: string): Promise<string[]> {
  await init;
  return builtModules(dist).filter((file) => {
    const [imports] = parse(readFileSync(path.join(dist, file), 'utf8'), file);
    return imports.some((entry) => {
      const specifier = entry.n ?? '';
      return FS_MODULES.has(specifier) || specifier.startsWith('node:fs/') || specifier.startsWith('fs/');
    });
  });
}

describe('filesystem boundary', () => {
  it('no module in src/ but the disk adapter imports fs', async () => {
    const importers = await fsImporters(path.join(REPO_ROOT, 'dist'));
    expect(importers.filter((file) => !ALLOWED.has(file))).toEqual([]);
    expect(importers).toContain('tree/disk.js'); // the check sees fs imports at all
  });
});
