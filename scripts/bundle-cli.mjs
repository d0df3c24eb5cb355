/**
 * Bundles the two command-line entry points (src/bin/*.ts) into dist/bundle/ with esbuild: one ES module per
 * entry plus shared chunks, every lazily imported path (the wizard, check, add, upgrade, gen…) in chunks of
 * its own. Node then resolves and compiles a handful of files instead of a few hundred modules, which was the
 * largest part of `new`'s start-up (issue 10). The library API (`exports`) stays the per-module tsc output.
 *
 * Kept outside the bundle: packages with native bindings or WebAssembly located at run time, and the big ones
 * loaded only by paths that need them (prettier, execa, node-plop). dist/bundle/meta.json is esbuild's metafile:
 * which input went into which output file (test/cli/module-loading.test.ts reads it).
 */
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = path.join(root, 'dist/bundle');

export const EXTERNAL_PACKAGES = [
  'oxc-parser',
  'web-tree-sitter',
  'tree-sitter-python',
  'libpg-query',
  'mvdan-sh',
  'prettier',
  'execa',
  'node-plop',
];

// yaml as one CommonJS file beside the chunks: src/config/yaml-library.ts requires it on first use (`new` never
// does), and every static `import … from 'yaml'` of the bundle is pointed at the same file, so a process holds one
// copy of the library whichever way it was reached.
const YAML_FILE = 'yaml.cjs';
const yamlToOneFile = {
  name: 'yaml-to-one-file',
  setup(plugin) {
    plugin.onResolve({ filter: /^yaml$/ }, () => ({ path: `./${YAML_FILE}`, external: true }));
  },
};

const shared = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20.12', minifyWhitespace: true, minifySyntax: true, legalComments: 'linked', logLevel: 'warning' };

// Chunk names change with their content: files of an earlier build would linger and be shipped.
rmSync(outdir, { recursive: true, force: true });
const yamlResult = await build({ ...shared, entryPoints: ['yaml'], outfile: path.join(outdir, YAML_FILE), format: 'cjs', metafile: true });
const result = await build({
  ...shared,
  entryPoints: { 'secure-stack': 'src/bin/secure-stack.ts', 'create-secure-stack': 'src/bin/create-secure-stack.ts' },
  outdir,
  splitting: true,
  format: 'esm',
  chunkNames: 'chunk-[hash]',
  external: EXTERNAL_PACKAGES,
  // Every output file is two directories below the package root (dist/bundle/).
  define: { SECURE_STACK_PACKAGE_ROOT_FROM_MODULE: JSON.stringify('../..'), SECURE_STACK_YAML_MODULE: JSON.stringify(`./${YAML_FILE}`) },
  plugins: [yamlToOneFile],
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __secureStackCreateRequire } from 'node:module';\nconst require = __secureStackCreateRequire(import.meta.url);" },
  metafile: true,
});
const outputs = { ...result.metafile.outputs, ...yamlResult.metafile.outputs };
writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify({ inputs: { ...result.metafile.inputs, ...yamlResult.metafile.inputs }, outputs }));
