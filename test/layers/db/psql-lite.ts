/**
 * Runs the generated psql scripts on PGlite (embedded PostgreSQL, no server) the way
 * `psql -X -v ON_ERROR_STOP=1 -f file` runs them on a server: one statement at a time in autocommit (split with
 * the real PostgreSQL parser, libpg-query), `:'name'` replaced by the psql variable as a quoted literal, `\echo`
 * lines collected as output, and the first error stopping the script. Any other backslash command is refused, so
 * a script that needs more of psql fails here instead of being half-run.
 */
import type { PGlite } from '@electric-sql/pglite';
import { loadModule, parseSync } from 'libpg-query';

export class ScriptError extends Error {
  constructor(
    message: string,
    /** The `\echo` lines printed before the failure. */
    readonly output: string[],
  ) {
    super(message);
  }
}

let parserLoaded: Promise<void> | undefined;

/** `:'name'` → the variable as a standard-conforming SQL literal, as psql does outside quotes. */
function substitute(sql: string, vars: Record<string, string>, label: string): string {
  return sql.replace(/:'([A-Za-z_][A-Za-z0-9_]*)'/g, (_match, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`${label}: psql variable :'${name}' is not set`);
    return `'${value.replaceAll("'", "''")}'`;
  });
}

/** The statements of a chunk of SQL, as the server's parser splits them (offsets are in UTF-8 bytes). */
function statements(sql: string): string[] {
  // The parser refuses input without a statement (blank lines, comments only): psql runs nothing for it.
  const withoutComments = sql.replace(/--[^\n]*/g, '');
  if (withoutComments.trim() === '') return [];
  const bytes = Buffer.from(sql, 'utf8');
  const parsed = parseSync(sql) as { stmts?: Array<{ stmt_location?: number; stmt_len?: number }> };
  return (parsed.stmts ?? []).map((stmt) => {
    const start = stmt.stmt_location ?? 0;
    const end = stmt.stmt_len === undefined || stmt.stmt_len === 0 ? bytes.length : start + stmt.stmt_len;
    return bytes.subarray(start, end).toString('utf8').trim();
  });
}

/** psql's \echo argument: a single-quoted word keeps its text ('' is a quote), bare words are joined by spaces. */
function echoText(argument: string): string {
  const quoted = /^'((?:[^']|'')*)'$/.exec(argument.trim());
  return quoted ? quoted[1]!.replaceAll("''", "'") : argument.trim();
}

/**
 * Runs `script` on `db`, as `role` when given (SET ROLE, so privileges and row-level security are those of that
 * role; the session user stays PGlite's superuser). Returns the `\echo` lines; throws ScriptError on the first error.
 */
export async function runScript(
  db: PGlite,
  script: string,
  options: { label: string; role?: string; vars?: Record<string, string> },
): Promise<string[]> {
  parserLoaded ??= loadModule();
  await parserLoaded;
  const output: string[] = [];
  const chunks: Array<{ sql: string } | { echo: string }> = [];
  let pending: string[] = [];
  for (const line of script.split('\n')) {
    const trimmed = line.trimStart();
    if (!trimmed.startsWith('\\')) {
      pending.push(line);
      continue;
    }
    const command = /^\\(\S+)\s*(.*)$/.exec(trimmed);
    if (command?.[1] !== 'echo') throw new Error(`${options.label}: psql command ${trimmed.split(/\s/)[0]} is not supported here`);
    chunks.push({ sql: pending.join('\n') }, { echo: echoText(command[2] ?? '') });
    pending = [];
  }
  chunks.push({ sql: pending.join('\n') });

  if (options.role !== undefined) await db.exec(`SET ROLE "${options.role.replaceAll('"', '""')}"`);
  try {
    for (const chunk of chunks) {
      if ('echo' in chunk) {
        output.push(chunk.echo);
        continue;
      }
      for (const statement of statements(substitute(chunk.sql, options.vars ?? {}, options.label))) {
        try {
          await db.exec(statement);
        } catch (error) {
          throw new ScriptError(`${options.label}: ${(error as Error).message}\n  in: ${statement.slice(0, 300)}`, output);
        }
      }
    }
  } finally {
    if (options.role !== undefined) {
      // A failed explicit transaction must end before the role can be reset.
      await db.exec('ROLLBACK').catch(() => undefined);
      await db.exec('RESET ROLE');
    }
  }
  return output;
}
