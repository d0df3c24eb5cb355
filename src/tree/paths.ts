import { PathEscapeError } from '../errors.js';

/**
 * Normalises a path that must stay inside a root: POSIX separators, no absolute paths, no `..`,
 * no empty or `.` segments, no NUL or control characters, no backslashes (a Windows separator).
 */
export function toSafeRelativePath(input: string): string {
  if (input.length === 0) throw new PathEscapeError('refusing an empty path');
  if (/[\u0000-\u001f\u007f]/.test(input)) throw new PathEscapeError(`refusing path with a control character: ${JSON.stringify(input)}`);
  if (input.includes('\\')) throw new PathEscapeError(`refusing path with a backslash: ${JSON.stringify(input)}`);
  if (input.startsWith('/') || /^[A-Za-z]:/.test(input)) throw new PathEscapeError(`refusing absolute path ${JSON.stringify(input)}`);
  const segments = input.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0) throw new PathEscapeError(`refusing path ${JSON.stringify(input)}: it names the root itself`);
  if (segments.includes('..')) throw new PathEscapeError(`refusing path ${JSON.stringify(input)}: it leaves the target directory`);
  return segments.join('/');
}
