/**
 * Heavy modules load only on the paths that use them (issue 10): `--help` loads none of prettier, Handlebars,
 * zod, yaml or the prompts, and `new --yes` loads neither the prompts nor memfs. Observed on the built CLI with
 * a preloaded module that lists every ES module resolved (a resolve hook) and every CommonJS module in
 * require.cache when the process exits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, runCli } from '../support/cli.js';

const work = makeTempDir('secure-stack-modules-');
afterAll(() => removeDir(work));

const hooks = path.join(work, 'hooks.mjs');
writeFileSync(
  hooks,
  `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process.stderr.write('LOADED ' + result.url + '\\n');
  return result;
}
`,
);
const preload = path.join(work, 'preload.mjs');
writeFileSync(
  preload,
  `import { createRequire, register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const require = createRequire(import.meta.url);
process.on('exit', () => {
  for (const file of Object.keys(require.cache)) process.stderr.write('LOADED ' + file + '\\n');
});
`,
);

async function loadedModules(args: string[], cwd: string): Promise<string[]> {
  const result = await runCli(args, { cwd, env: { NODE_OPTIONS: `--import ${pathToFileURL(preload).href}` } });
  expect(result.exitCode, result.stderr).toBe(0);
  const loaded = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));
  expect(loaded.some((file) => file.includes('/dist/cli/main.js'))).toBe(true); // the hook sees our modules at all
  return loaded;
}

const packagesIn = (loaded: string[], names: string[]): string[] =>
  names.filter((name) => loaded.some((file) => file.includes(`/node_modules/${name}/`)));

describe('module loading', () => {
  it('--help loads no heavy module', async () => {
    const loaded = await loadedModules(['--help'], work);
    expect(packagesIn(loaded, ['prettier', 'handlebars', 'zod', 'yaml', '@clack/prompts', 'memfs', 'execa'])).toEqual([]);
  }, 60_000);

  it('new --yes loads neither the prompts nor memfs', async () => {
    const loaded = await loadedModules(['new', 'modules-app', '--yes', '--no-git', '--no-install', '--layers', 'db'], work);
    expect(packagesIn(loaded, ['handlebars', 'zod'])).toEqual(['handlebars', 'zod']); // what it does need
    expect(packagesIn(loaded, ['@clack/prompts', 'memfs', 'execa'])).toEqual([]);
    expect(readFileSync(path.join(work, 'modules-app/.secure-stack.yaml'), 'utf8')).toContain('projectName: modules-app');
  }, 60_000);
});
