/**
 * The yaml library, loaded on first use. `new --yes` reads its presets and pins ahead of time and prints its
 * manifest itself, so it never needs the library; loading it anyway cost a tenth of its run.
 * A CommonJS require() keeps the callers synchronous. It loads the same module the static imports elsewhere
 * (check, add, upgrade) load, so a process never holds two copies.
 */
import { createRequire } from 'node:module';

type YamlLibrary = typeof import('yaml');

/** The package itself, or in the bundled CLI the one-file copy its chunks import too (scripts/bundle-cli.mjs). */
declare const SECURE_STACK_YAML_MODULE: string | undefined;
const YAML_MODULE = typeof SECURE_STACK_YAML_MODULE === 'string' ? SECURE_STACK_YAML_MODULE : 'yaml';

const requireFromHere = createRequire(import.meta.url);
let library: YamlLibrary | undefined;

export function yamlLibrary(): YamlLibrary {
  return (library ??= requireFromHere(YAML_MODULE) as YamlLibrary);
}
