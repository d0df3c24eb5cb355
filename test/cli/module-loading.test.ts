/**
 * Heavy modules load only on the paths that use them (issue 10): `--help` loads none of prettier, Handlebars,
 * valibot, yaml or the prompts, `new --yes` neither the prompts nor yaml, and `check` one copy of yaml. Observed
 * on the built, bundled CLI (the package's bins) with a preloaded module that lists every ES module resolved (a
 * resolve hook) and every CommonJS module in require.cache when the process exits; a file of the bundle stands
 * for the packages esbuild put into it (its metafile, dist/bundle/meta.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeTempDir, removeDir, runCli } from '../support/cli.js';

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
  expect(loaded.flatMap(sourcesOf).some((file) => file.endsWith('/src/cli/main.ts'))).toBe(true); // the hook sees our modules at all
  return loaded;
}

const BUNDLE_DIR = path.join(REPO_ROOT, 'dist/bundle');
const bundleInputs = (JSON.parse(readFileSync(path.join(BUNDLE_DIR, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> })
  .outputs;

/** The source files a loaded file holds: itself, or for a file of the bundle every input esbuild put in it. */
function sourcesOf(file: string): string[] {
  const absolute = file.startsWith('file:') ? fileURLToPath(file) : file;
  if (!absolute.startsWith(`${BUNDLE_DIR}${path.sep}`)) return [absolute];
  const output = bundleInputs[path.relative(REPO_ROOT, absolute).split(path.sep).join('/')];
  return output === undefined ? [absolute] : Object.keys(output.inputs).map((input) => `/${input}`);
}

const packagesIn = (loaded: string[], names: string[]): string[] => {
  const sources = loaded.flatMap(sourcesOf);
  return names.filter((name) => sources.some((source) => source.includes(`/node_modules/${name}/`)));
};

describe('module loading', () => {
  it('--help loads no heavy module', async () => {
    const loaded = await loadedModules(['--help'], work);
    expect(packagesIn(loaded, ['prettier', 'handlebars', 'valibot', 'yaml', '@clack/prompts', 'execa'])).toEqual([]);
  }, 60_000);

  it('new --yes loads neither the prompts nor yaml', async () => {
    const loaded = await loadedModules(['new', 'modules-app', '--yes', '--no-git', '--no-install', '--layers', 'db'], work);
    expect(packagesIn(loaded, ['handlebars', 'valibot'])).toEqual(['handlebars', 'valibot']); // what it does need
    expect(packagesIn(loaded, ['@clack/prompts', 'execa', 'prettier', 'yaml'])).toEqual([]); // presets and pins read ahead of time

    expect(readFileSync(path.join(work, 'modules-app/.secure-stack.yaml'), 'utf8')).toContain('projectName: modules-app');
  }, 60_000);

  it('check loads one copy of yaml, whichever module reached it first', async () => {
    const loaded = await loadedModules(['check', 'modules-app'], work);
    expect(packagesIn(loaded, ['yaml'])).toEqual(['yaml']);
    expect(loaded.filter((file) => file.includes('/node_modules/yaml/'))).toEqual([]); // only the bundle's one-file copy
  }, 60_000);
});
