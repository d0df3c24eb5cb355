import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package's own directory (holds templates/ and presets/); the same from src/ (tests) and dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

export const TOOL_NAME = packageJson.name;
export const TOOL_VERSION = packageJson.version;
