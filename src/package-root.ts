import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The package's own directory (holds templates/ and presets/); the same from src/ (tests) and dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

// Loaded as a module, not read from disk: src/tree/disk.ts stays the only filesystem user.
const packageJson = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const TOOL_NAME = packageJson.name;
export const TOOL_VERSION = packageJson.version;
