/**
 * The project name is validated once, here, and every context gets its own derived form. A name that
 * could change the meaning of any generated file (path, shell, SQL, YAML, Python) is refused with a
 * one-line reason before anything is written.
 */
import { UsageError } from '../errors.js';

export interface ProjectNames {
  /** As given: also the target directory and the npm package name. */
  project: string;
  npm: string;
  /** Python import package (`my_app`). */
  python: string;
  /** Docker image / compose project name. */
  docker: string;
  /** PostgreSQL role prefix (`my_app` → roles my_app_owner, my_app_migrator, my_app_app). */
  dbPrefix: string;
  /** Human title for documents (`My App`). */
  title: string;
}

export const MAX_NAME_LENGTH = 40;

const PYTHON_KEYWORDS = new Set([
  'false', 'none', 'true', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type',
]);

/** Names npm refuses as package names. */
const RESERVED_NAMES = new Set(['node_modules', 'favicon.ico']);

/** Returns why a name is refused, or undefined when it is acceptable. */
export function projectNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the project name is empty';
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(name)) return 'it contains a control character';
  if (name.includes('/') || name.includes('\\')) return 'it contains a path separator (give a name, not a path)';
  if (name.includes('..')) return 'it contains ".."';
  if (/['"`]/.test(name)) return 'it contains a quote';
  if (/[$;&|<>(){}\[\]*?!~#%^=,:@+\s]/.test(name)) return 'it contains a shell or SQL metacharacter or whitespace';
  if (/[^\x20-\x7e]/.test(name)) return 'it contains a non-ASCII character';
  if (/[A-Z]/.test(name)) return 'it contains an uppercase letter (npm and Docker names are lowercase)';
  if (name.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (!/^[a-z]/.test(name)) return 'it must start with a lowercase letter';
  if (!/^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/.test(name)) {
    return 'use lowercase letters, digits and single "-" or "_" between them (no "." and no trailing separator)';
  }
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved by npm`;
  const snake = name.replace(/-/g, '_');
  if (PYTHON_KEYWORDS.has(snake)) return `"${snake}" is a Python keyword and cannot be a package name`;
  if (/^pg_/.test(snake)) return 'PostgreSQL reserves role names starting with "pg_"';
  return undefined;
}

export function deriveNames(name: string): ProjectNames {
  const problem = projectNameProblem(name);
  if (problem !== undefined) throw new UsageError(`invalid project name ${JSON.stringify(name)}: ${problem}`);
  const snake = name.replace(/-/g, '_');
  return {
    project: name,
    npm: name,
    python: snake,
    docker: name.replace(/_/g, '-'),
    dbPrefix: snake,
    title: name
      .split(/[-_]/)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(' '),
  };
}
