import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the package root lies relative to the module that computes it: '..' from dist/package-root.js (and
 * src/ in tests); the bundled CLI (scripts/bundle-cli.mjs) sets this to its own depth.
 */
declare const SECURE_STACK_PACKAGE_ROOT_FROM_MODULE: string | undefined;
const fromModule = typeof SECURE_STACK_PACKAGE_ROOT_FROM_MODULE === 'string' ? SECURE_STACK_PACKAGE_ROOT_FROM_MODULE : '..';

/** The package's own directory (holds templates/ and presets/); the same from src/ (tests), dist/ and the bundle. */
export const PACKAGE_ROOT = fileURLToPath(new URL(`${fromModule}/`, import.meta.url));

// Loaded as a module, not read from disk: src/tree/disk.ts stays the only filesystem user.
const packageJson = createRequire(import.meta.url)(path.join(PACKAGE_ROOT, 'package.json')) as { name: string; version: string };

export const TOOL_NAME = packageJson.name;
export const TOOL_VERSION = packageJson.version;
