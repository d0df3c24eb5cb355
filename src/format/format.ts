/**
 * prettier inside the pipeline, so that dry-run, diff and upgrade see exactly what `new` writes.
 * Python, SQL, Dockerfiles and shell stay as their templates write them.
 */
import * as path from 'node:path';
import { RenderError } from '../errors.js';

const PRETTIER_EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.json', '.yaml', '.yml', '.md', '.css', '.scss']);

export function isFormatted(filePath: string): boolean {
  return PRETTIER_EXTENSIONS.has(path.posix.extname(filePath).toLowerCase());
}

/** Formats every file that prettier owns in one concurrent pass; prettier is loaded only when needed. */
export async function formatFiles(files: Array<{ path: string; content: string }>): Promise<Map<string, string>> {
  const formatted = new Map<string, string>();
  const targets = files.filter((file) => isFormatted(file.path));
  if (targets.length === 0) return formatted;
  const prettier = await import('prettier');
  await Promise.all(
    targets.map(async (file) => {
      try {
        formatted.set(file.path, await prettier.format(file.content, { filepath: file.path }));
      } catch (error) {
        throw new RenderError(`cannot format ${file.path}: ${(error as Error).message.split('\n')[0]}`);
      }
    }),
  );
  return formatted;
}
