/**
 * PostgreSQL migrations and configuration: SQL files (`db/**\/*.sql`, `migrations/**\/*.sql`, `*.up.sql`) parsed
 * with the real PostgreSQL parser (libpg-query), `pg_hba.conf` and `postgresql.conf` read line by line with a small
 * tokenizer that honours quotes and comments: DB-02 … DB-08. Nothing is ever run against a database.
 *
 * psql syntax is not SQL: backslash commands are blanked and `:'var'`, `:"var"`, `:var` are replaced by
 * placeholders of the same length before parsing, so every offset still points into the file as written.
 * Statements of one file are checked in `scan`. What spans files runs in `finish`: the up migrations of a
 * migrations directory are replayed in version order (and the files of any other directory by name), so that a
 * table created in 0001 may get its row-level security and policy in 0003, and a later DISABLE, NO FORCE or DROP
 * POLICY counts (DB-03, DB-04); SECURITY DEFINER routines are followed through later ALTER FUNCTION statements and
 * their EXECUTE revocation is looked for in every SQL file (DB-06).
 * PL/pgSQL bodies (DO blocks, function bodies) are strings to the parser and are not looked into.
 */
import { loadModule, parseSync } from 'libpg-query';
import type { Location } from '../finding.js';
import { byteLineLocator } from '../line-index.js';
import type { CheckFamily, CheckSpec, Emitter, SourceFile } from '../registry.js';

// The parser is WebAssembly; it is loaded once, when the checks are first imported (`check` only), so that
// scanning stays synchronous.
await loadModule();

const SQL_PATH = /(^|\/)(db|migrations)\/(.+\/)?[^/]+\.sql$|\.up\.sql$/i;
const HBA_PATH = /(^|\/)pg_hba\.conf$/;
const CONF_PATH = /(^|\/)postgresql(\.auto)?\.conf$/;
const TEST_PATH = /(^|\/)tests?\//i;
const MIGRATION_PATH = /(^|\/)migrations\/|\.up\.sql$/i;
/** The line that starts the down section of a dbmate or goose migration. */
const DOWN_SECTION = /^--\s*(?:migrate:down|\+goose\s+down)\b/im;

type AstNode = Record<string, unknown>;

interface Statement {
  /** The statement node's type, e.g. CreateStmt. */
  kind: string;
  node: AstNode;
  /** UTF-8 byte offset of the statement's first token. */
  start: number;
}

interface SqlScript {
  file: SourceFile;
  migration: boolean;
  statements: Statement[];
  /** Byte offset of a dbmate (`-- migrate:down`) or goose (`-- +goose Down`) down section, if the file has one. */
  downFrom: number | undefined;
  /** A byte offset of the parsed text → a 1-based line and column of the file. */
  at(byteOffset: number): Location;
}

interface ConfLine {
  line: number;
  tokens: Array<{ text: string; column: number }>;
}

interface Setting {
  name: string;
  value: string;
  line: number;
  column: number;
}

type Report = (location: Location, message: string) => void;

interface PostgresCheck extends CheckSpec {
  sql?(script: SqlScript, report: Report): void;
  /** Cross-file: each run of SQL files in order, and every SQL file of the repository. */
  units?(units: readonly SqlUnit[], scripts: readonly SqlScript[], report: Report): void;
  hba?(file: SourceFile, lines: ConfLine[], report: Report): void;
  conf?(file: SourceFile, settings: Setting[], report: Report): void;
}

// ---- psql → SQL, offsets --------------------------------------------------------------------------

/** Blanks psql backslash commands and replaces psql variables, keeping every UTF-16 offset unchanged. */
export function sanitizePsql(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i += 1) if (out[i] !== '\n') out[i] = ' ';
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') (depth += 1), (i += 2);
        else if (text[i] === '*' && text[i + 1] === '/') (depth -= 1), (i += 2);
        else i += 1;
      }
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]!) && !/[\w$]/.test(text[i - 2] ?? ' ');
      i += 1;
      while (i < n) {
        if (escapes && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i += 1;
      }
      i += 1;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      i = end < 0 ? n : end + 1;
    } else if (c === '$' && !/[\w$]/.test(text[i - 1] ?? ' ')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
      } else i += 1;
    } else if (c === '\\') {
      const end = text.indexOf('\n', i);
      blank(i, end < 0 ? n : end);
      i = end < 0 ? n : end;
    } else if (c === ':' && next === ':') {
      i += 2;
    } else if (c === ':' && (next === "'" || next === '"')) {
      const variable = /^:(['"])[A-Za-z_][A-Za-z0-9_]*\1/.exec(text.slice(i, i + 80));
      if (variable) {
        const quote = variable[1]!;
        const length = variable[0].length;
        for (let k = 0; k < length; k += 1) out[i + k] = k === 0 || k === length - 1 ? quote : 'x';
        i += length;
      } else i += 1;
    } else if (c === ':' && next !== undefined && /[A-Za-z_]/.test(next) && !/[\w\]]/.test(text[i - 1] ?? ' ')) {
      out[i] = '_';
      i += 1;
    } else i += 1;
  }
  return out.join('');
}

/** The byte offset of the first token at or after `byteOffset` (whitespace and comments skipped). */
function firstToken(bytes: Buffer, byteOffset: number): number {
  let i = byteOffset;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c) i += 1;
    else if (c === 0x2d && bytes[i + 1] === 0x2d) {
      while (i < bytes.length && bytes[i] !== 0x0a) i += 1;
    } else if (c === 0x2f && bytes[i + 1] === 0x2a) {
      let depth = 1;
      i += 2;
      while (i < bytes.length && depth > 0) {
        if (bytes[i] === 0x2f && bytes[i + 1] === 0x2a) (depth += 1), (i += 2);
        else if (bytes[i] === 0x2a && bytes[i + 1] === 0x2f) (depth -= 1), (i += 2);
        else i += 1;
      }
    } else break;
  }
  return i;
}

// ---- AST helpers ----------------------------------------------------------------------------------

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The inner object of a wrapped node ({ FuncCall: {...} } → {...}) when it is of that type. */
function as(value: unknown, type: string): AstNode | undefined {
  if (!isNode(value)) return undefined;
  const inner = value[type];
  return isNode(inner) ? inner : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Every wrapped node of `type` in a subtree, outermost first. */
function findAll(root: unknown, type: string): AstNode[] {
  const found: AstNode[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isNode(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key === type && isNode(child)) found.push(child);
        visit(child);
      }
    }
  };
  visit(root);
  return found;
}

/** The smallest known location in a subtree: where an expression starts. */
function firstLocation(root: unknown): number | undefined {
  let best: number | undefined;
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isNode(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'location' && typeof child === 'number' && child >= 0) best = best === undefined ? child : Math.min(best, child);
        else visit(child);
      }
    }
  };
  visit(root);
  return best;
}

function locationOf(script: SqlScript, statement: Statement, node: unknown): Location {
  return script.at(firstLocation(node) ?? statement.start);
}

function funcName(call: AstNode): string {
  const names = list(call.funcname);
  return (str(as(names[names.length - 1], 'String')?.sval) ?? '').toLowerCase();
}

/** A constant's value as text: strings, booleans ('true'/'false'), integers. */
function constant(value: unknown): string | undefined {
  const cast = as(value, 'TypeCast');
  if (cast) return constant(cast.arg);
  const node = as(value, 'A_Const');
  if (!node) return undefined;
  if (isNode(node.sval)) return str(node.sval.sval) ?? '';
  if (isNode(node.boolval)) return node.boolval.boolval === true ? 'true' : 'false';
  if (isNode(node.ival)) return String(typeof node.ival.ival === 'number' ? node.ival.ival : 0);
  return undefined;
}

const TRUE_WORDS = new Set(['true', 't', 'on', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'off', 'no', 'n', '0']);

function isConstantTrue(expr: unknown): boolean {
  const value = constant(expr);
  if (value !== undefined) return TRUE_WORDS.has(value.toLowerCase());
  const comparison = as(expr, 'A_Expr');
  if (comparison && comparison.kind === 'AEXPR_OP' && str(as(list(comparison.name)[0], 'String')?.sval) === '=') {
    const left = constant(comparison.lexpr);
    return left !== undefined && left === constant(comparison.rexpr);
  }
  return false;
}

function readsSetting(expr: unknown): boolean {
  return findAll(expr, 'FuncCall').some((call) => funcName(call) === 'current_setting');
}

/** `current_setting(...) IS NULL` or `current_setting(...) = ''`: a branch taken when no tenant is set. */
function isUnsetTest(expr: unknown): boolean {
  const test = as(expr, 'NullTest');
  if (test) return test.nulltesttype === 'IS_NULL' && readsSetting(test.arg);
  const comparison = as(expr, 'A_Expr');
  if (comparison && comparison.kind === 'AEXPR_OP' && str(as(list(comparison.name)[0], 'String')?.sval) === '=') {
    return (constant(comparison.lexpr) === '' && readsSetting(comparison.rexpr)) || (constant(comparison.rexpr) === '' && readsSetting(comparison.lexpr));
  }
  return false;
}

/** The part of a policy expression that lets rows through regardless of the tenant, if any. */
function permissivePart(expr: unknown): { node: unknown; why: string } | undefined {
  if (isConstantTrue(expr)) return { node: expr, why: 'is always true' };
  const bool = as(expr, 'BoolExpr');
  if (bool?.boolop === 'OR_EXPR') {
    for (const arg of list(bool.args)) {
      if (isConstantTrue(arg)) return { node: arg, why: 'has an OR branch that is always true' };
      if (isUnsetTest(arg)) return { node: arg, why: 'allows rows when the tenant setting is unset' };
      const nested = permissivePart(arg);
      if (nested) return nested;
    }
  }
  return undefined;
}

interface Relation {
  schema: string | undefined;
  name: string;
  location: number | undefined;
}

function relationOf(value: unknown): Relation | undefined {
  if (!isNode(value)) return undefined;
  const name = str(value.relname);
  if (name === undefined) return undefined;
  const location = typeof value.location === 'number' && value.location >= 0 ? value.location : undefined;
  return { schema: str(value.schemaname), name, location };
}

function sameTable(a: Relation, b: Relation): boolean {
  return a.name === b.name && (a.schema === undefined || b.schema === undefined || a.schema === b.schema);
}

function qualified(relation: Relation): string {
  return relation.schema === undefined ? relation.name : `${relation.schema}.${relation.name}`;
}

function isPublic(role: unknown): boolean {
  return as(role, 'RoleSpec')?.roletype === 'ROLESPEC_PUBLIC';
}

/** Whether a setting name is a custom (dotted) setting such as app.tenant_id, or not a constant at all. */
function isCustomSetting(nameExpr: unknown): boolean {
  const name = constant(nameExpr);
  return name === undefined || name.includes('.');
}

// ---- Runs of SQL files: migrations in order ------------------------------------------------------

/**
 * SQL files that run one after another against one database, in order: the up migrations of one migrations
 * directory (by version: file names compared with their numbers as numbers), or the files of one other directory
 * (docker-entrypoint-initdb.d runs them by name). A rollback file (`*.down.sql`, Flyway `U<version>__*.sql`)
 * is a unit of its own: it is not part of what the up migrations leave behind.
 */
interface SqlUnit {
  kind: 'migrations' | 'rollback' | 'directory';
  scripts: SqlScript[];
}

const ROLLBACK_NAME = /(?:^|[._-])down\.sql$|^U\d[^/]*__[^/]*\.sql$/i;
const ROUTINE_OBJECTS = new Set(['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE']);

/** `0002_a` < `0010_b`, `V2__x` < `V10__y`: numbers compared as numbers, the rest as text. */
export function compareVersions(a: string, b: string): number {
  const chunks = (value: string) => value.match(/\d+|\D+/g) ?? [];
  const left = chunks(a);
  const right = chunks(b);
  for (let k = 0; k < Math.min(left.length, right.length); k += 1) {
    const x = left[k]!;
    const y = right[k]!;
    if (x === y) continue;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    if (numeric && BigInt(x) !== BigInt(y)) return BigInt(x) < BigInt(y) ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

/** The directory a migration belongs to: the innermost `migrations/` above it (versions may be subdirectories), else its own. */
function migrationsRoot(path: string): string {
  const marker = path.toLowerCase().lastIndexOf('migrations/');
  if (marker >= 0 && (marker === 0 || path[marker - 1] === '/')) return path.slice(0, marker + 'migrations'.length);
  return path.slice(0, Math.max(0, path.lastIndexOf('/')));
}

export function unitsOf(scripts: readonly SqlScript[]): SqlUnit[] {
  const units = new Map<string, SqlUnit & { root: string }>();
  const rollbacks: SqlUnit[] = [];
  for (const script of scripts) {
    const path = script.file.path;
    if (ROLLBACK_NAME.test(path.slice(path.lastIndexOf('/') + 1))) {
      rollbacks.push({ kind: 'rollback', scripts: [script] });
      continue;
    }
    const kind = script.migration ? 'migrations' : 'directory';
    const root = script.migration ? migrationsRoot(path) : path.slice(0, Math.max(0, path.lastIndexOf('/')));
    const key = `${kind}:${root}`;
    const unit = units.get(key) ?? { kind, scripts: [], root };
    unit.scripts.push(script);
    units.set(key, unit);
  }
  for (const unit of units.values()) unit.scripts.sort((a, b) => compareVersions(a.file.path.slice(unit.root.length), b.file.path.slice(unit.root.length)));
  return [...units.values(), ...rollbacks];
}

/** The statements that run on the way up: a dbmate or goose file's down section is left out. */
function upStatements(script: SqlScript): Statement[] {
  return script.downFrom === undefined ? script.statements : script.statements.filter((statement) => statement.start < script.downFrom!);
}

/** Schema-qualified names of a DropStmt's objects (`[schema, table]`, `[schema, table, policy]`, functions). */
function droppedNames(statement: Statement): string[][] {
  return list(statement.node.objects).map((object) => {
    const items = isNode(object) && isNode(object.List) ? list(object.List.items) : isNode(object) && isNode(object.ObjectWithArgs) ? list(object.ObjectWithArgs.objname) : [object];
    return items.map((item) => str(as(item, 'String')?.sval) ?? '');
  });
}

function relationFromNames(names: string[], location?: number): Relation | undefined {
  const name = names.at(-1);
  if (name === undefined || name === '') return undefined;
  return { schema: names.length > 1 ? names.at(-2) : undefined, name, location };
}

interface TableState {
  table: Relation;
  /** Where the unit creates the table (script and location), if it does. */
  created: { script: SqlScript; location: Location } | undefined;
  /** Row-level security switches; undefined while unknown (a table created outside this run of files). */
  enable: boolean | undefined;
  force: boolean | undefined;
  /** Where a DISABLE / NO FORCE turned off what was on or unknown (cleared when it is turned on again). */
  enableOff: Location | undefined;
  forceOff: Location | undefined;
  /** Where ENABLE last turned row-level security on. */
  enabledAt: Location | undefined;
  policies: Set<string>;
  /** Where the last remaining policy was dropped. */
  lastPolicyDropped: Location | undefined;
}

/** Replays a unit's table DDL: creation, renames, row-level security switches and policies, in order. */
function tableStates(unit: SqlUnit): TableState[] {
  const tables: TableState[] = [];
  const find = (table: Relation) => tables.find((state) => sameTable(state.table, table));
  const ensure = (table: Relation): TableState => {
    const existing = find(table);
    if (existing !== undefined) return existing;
    const state: TableState = { table, created: undefined, enable: undefined, force: undefined, enableOff: undefined, forceOff: undefined, enabledAt: undefined, policies: new Set(), lastPolicyDropped: undefined };
    tables.push(state);
    return state;
  };
  const remove = (table: Relation) => {
    const state = find(table);
    if (state !== undefined) tables.splice(tables.indexOf(state), 1);
  };
  for (const script of unit.scripts) {
    for (const statement of upStatements(script)) {
      const here = script.at(statement.start);
      switch (statement.kind) {
        case 'CreateStmt':
        case 'CreateTableAsStmt': {
          const rel = statement.kind === 'CreateStmt' ? statement.node.relation : statement.node.objtype === 'OBJECT_TABLE' && isNode(statement.node.into) ? statement.node.into.rel : undefined;
          const table = relationOf(rel);
          if (!table || (isNode(rel) && rel.relpersistence === 't')) break;
          if (statement.node.if_not_exists === true && find(table)?.created !== undefined) break;
          remove(table);
          Object.assign(ensure(table), { created: { script, location: script.at(table.location ?? statement.start) }, enable: false, force: false });
          break;
        }
        case 'AlterTableStmt': {
          const table = relationOf(statement.node.relation);
          if (!table) break;
          for (const cmd of list(statement.node.cmds)) {
            const subtype = str(as(cmd, 'AlterTableCmd')?.subtype);
            if (subtype === undefined || !/RowSecurity$/.test(subtype)) continue;
            const state = ensure(table);
            if (subtype === 'AT_EnableRowSecurity') {
              if (!state.enable) state.enabledAt = script.at(table.location ?? statement.start);
              state.enable = true;
              state.enableOff = undefined;
            } else if (subtype === 'AT_DisableRowSecurity') {
              if (state.enable !== false) state.enableOff = here;
              state.enable = false;
            } else if (subtype === 'AT_ForceRowSecurity') {
              state.force = true;
              state.forceOff = undefined;
            } else if (subtype === 'AT_NoForceRowSecurity') {
              if (state.force !== false) state.forceOff = here;
              state.force = false;
            }
          }
          break;
        }
        case 'RenameStmt': {
          const table = relationOf(statement.node.relation);
          const state = statement.node.renameType === 'OBJECT_TABLE' && table ? find(table) : undefined;
          const name = str(statement.node.newname);
          if (state !== undefined && name !== undefined) state.table = { ...state.table, name };
          break;
        }
        case 'AlterObjectSchemaStmt': {
          const table = relationOf(statement.node.relation);
          const state = statement.node.objectType === 'OBJECT_TABLE' && table ? find(table) : undefined;
          const schema = str(statement.node.newschema);
          if (state !== undefined && schema !== undefined) state.table = { ...state.table, schema };
          break;
        }
        case 'CreatePolicyStmt': {
          const table = relationOf(statement.node.table);
          if (!table) break;
          const state = ensure(table);
          state.policies.add(str(statement.node.policy_name) ?? '');
          state.lastPolicyDropped = undefined;
          break;
        }
        case 'DropStmt': {
          const type = str(statement.node.removeType) ?? '';
          for (const names of droppedNames(statement)) {
            if (type === 'OBJECT_TABLE') {
              const table = relationFromNames(names);
              if (table) remove(table);
            } else if (type === 'OBJECT_POLICY') {
              const table = relationFromNames(names.slice(0, -1));
              const state = table ? find(table) : undefined;
              if (state === undefined || !state.policies.delete(names.at(-1) ?? '')) continue;
              if (state.policies.size === 0) state.lastPolicyDropped = here;
            }
          }
          break;
        }
      }
    }
  }
  return tables;
}

// ---- The checks ---------------------------------------------------------------------------------
const db02: PostgresCheck = {
  controlId: 'DB-02',
  docs: 'In SQL files, flags GRANT … TO PUBLIC (objects, roles and ALTER DEFAULT PRIVILEGES), and GRANT CREATE (or ALL) ON SCHEMA public to anyone.',
  fix: 'Grant to the named application roles only, and run `REVOKE CREATE ON SCHEMA public FROM PUBLIC` (keep application objects in their own schema).',
  sql(script, report) {
    for (const statement of script.statements) {
      const grant = statement.kind === 'GrantStmt' ? statement.node : statement.kind === 'AlterDefaultPrivilegesStmt' && isNode(statement.node.action) ? statement.node.action : undefined;
      if (grant && grant.is_grant === true) {
        const privileges = list(grant.privileges).map((p) => str(as(p, 'AccessPriv')?.priv_name) ?? '');
        const publicSchema =
          grant.objtype === 'OBJECT_SCHEMA' &&
          list(grant.objects).some((object) => str(as(object, 'String')?.sval) === 'public') &&
          (privileges.length === 0 || privileges.includes('create'));
        const toPublic = list(grant.grantees).find(isPublic);
        if (publicSchema) {
          report(locationOf(script, statement, {}), 'GRANT CREATE ON SCHEMA public lets roles create objects that shadow others (CVE-2018-1058)');
        } else if (toPublic !== undefined) {
          const what = statement.kind === 'AlterDefaultPrivilegesStmt' ? 'default privileges' : `${privileges.length === 0 ? 'ALL' : privileges.join(', ').toUpperCase()} privileges`;
          report(locationOf(script, statement, toPublic), `${what} granted TO PUBLIC: every role of the cluster gets them`);
        }
      }
      if (statement.kind === 'GrantRoleStmt' && statement.node.is_grant === true) {
        const toPublic = list(statement.node.grantee_roles).find(isPublic);
        if (toPublic !== undefined) report(locationOf(script, statement, toPublic), 'role membership granted TO PUBLIC: every role of the cluster gets it');
      }
    }
  },
};

const db03: PostgresCheck = {
  controlId: 'DB-03',
  docs:
    'Replays each run of SQL files in order (the up migrations of a migrations directory by version, dbmate/goose down sections left out; or the files of another directory by name) and flags a table created in schema app, or any table created by a migration, that does not end up with both ENABLE and FORCE ROW LEVEL SECURITY (temporary tables are ignored; RLS may be turned on by a later migration). ' +
    'A DISABLE or NO FORCE ROW LEVEL SECURITY in an up migration that no later migration undoes is flagged where it is written, also for a table created elsewhere. Rollback files (*.down.sql) are checked on their own.',
  fix: 'Add `ALTER TABLE <table> ENABLE ROW LEVEL SECURITY;` and `ALTER TABLE <table> FORCE ROW LEVEL SECURITY;` right after the CREATE TABLE, and never turn them off in a migration (if a backfill must bypass policies, turn them back on in the same migration).',
  units(units, _scripts, report) {
    for (const unit of units) {
      for (const state of tableStates(unit)) {
        if (state.enable !== false && state.force !== false && (state.created === undefined || (state.enable && state.force))) continue;
        const missing = [state.enable === false ? 'ENABLE' : '', state.force === false ? 'FORCE' : ''].filter(Boolean).join(' and ');
        const turnedOff = unit.kind === 'rollback' ? undefined : ((state.enable === false ? state.enableOff : undefined) ?? (state.force === false ? state.forceOff : undefined));
        const created = state.created;
        const inScope =
          created !== undefined
            ? state.table.schema === 'app' || created.script.migration
            : unit.kind === 'migrations' || (unit.kind === 'directory' && state.table.schema === 'app' && !unit.scripts.some((script) => TEST_PATH.test(script.file.path)));
        if (!inScope) continue;
        if (turnedOff !== undefined) {
          report(turnedOff, `row-level security of ${qualified(state.table)} is turned off here (${missing} missing) and no later statement turns it back on: every role with table privileges sees every row`);
        } else if (created !== undefined) {
          report(created.location, `table ${qualified(state.table)} is created without ${missing} ROW LEVEL SECURITY: every role with table privileges sees every row`);
        }
      }
    }
  },
};

const db04: PostgresCheck = {
  controlId: 'DB-04',
  docs:
    'Flags a table whose row-level security is enabled with no policy for it anywhere in the same run of SQL files (policies may come in an earlier or later migration), or whose last policy a later migration drops, a FOR ALL/INSERT/UPDATE policy without WITH CHECK, and a permissive policy whose USING or WITH CHECK is constant true or lets rows through when the tenant setting is unset (e.g. `current_setting(...) IS NULL OR ...`).',
  fix: "Write one policy per table with `USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)` and the same WITH CHECK, so an unset tenant matches no row.",
  sql(script, report) {
    for (const policy of script.statements.filter((statement) => statement.kind === 'CreatePolicyStmt')) {
      const name = str(policy.node.policy_name) ?? '?';
      const cmd = (str(policy.node.cmd_name) ?? 'all').toLowerCase();
      if (['all', 'insert', 'update'].includes(cmd) && !isNode(policy.node.with_check)) {
        report(script.at(policy.start), `policy ${name} (FOR ${cmd.toUpperCase()}) has no WITH CHECK: written rows are not checked against the tenant`);
      }
      if (policy.node.permissive !== true) continue;
      for (const [clause, expr] of [['USING', policy.node.qual], ['WITH CHECK', policy.node.with_check]] as const) {
        const part = isNode(expr) ? permissivePart(expr) : undefined;
        if (part) report(locationOf(script, policy, part.node), `the ${clause} expression of policy ${name} ${part.why}: rows of every tenant pass`);
      }
    }
  },
  units(units, _scripts, report) {
    for (const unit of units) {
      for (const state of tableStates(unit)) {
        if (state.enable !== true || state.policies.size > 0) continue;
        if (state.lastPolicyDropped !== undefined) {
          report(state.lastPolicyDropped, `this drops the last policy of ${qualified(state.table)}, whose row-level security stays enabled, and no later statement creates one: the application sees no row, and a later permissive fix-up is easy to get wrong`);
        } else if (state.enabledAt !== undefined) {
          report(state.enabledAt, `row-level security is enabled on ${qualified(state.table)} but no policy is created for it: the application sees no row, and a later permissive fix-up is easy to get wrong`);
        }
      }
    }
  },
};

const db05: PostgresCheck = {
  controlId: 'DB-05',
  docs: 'In SQL files (not database test scripts under tests/), flags set_config(<custom setting such as app.tenant_id>, …, false) and a session-level SET of a custom setting (SET app.tenant_id = … instead of SET LOCAL).',
  fix: "Use `SET LOCAL app.tenant_id = …` or `set_config('app.tenant_id', $1, true)` inside the transaction.",
  sql(script, report) {
    // Database test scripts set a session tenant on purpose, to prove that RESET and rollbacks clear it.
    if (TEST_PATH.test(script.file.path)) return;
    for (const statement of script.statements) {
      if (statement.kind === 'VariableSetStmt' && statement.node.kind === 'VAR_SET_VALUE' && statement.node.is_local !== true) {
        const name = str(statement.node.name) ?? '';
        if (name.includes('.')) report(script.at(statement.start), `SET ${name} is session-level: on a pooled connection the next transaction inherits this tenant (use SET LOCAL)`);
      }
      for (const call of findAll(statement.node, 'FuncCall')) {
        if (funcName(call) !== 'set_config') continue;
        const args = list(call.args);
        const local = constant(args[2]);
        if (args.length === 3 && local !== undefined && FALSE_WORDS.has(local.toLowerCase()) && isCustomSetting(args[0])) {
          const location = typeof call.location === 'number' && call.location >= 0 ? call.location : statement.start;
          report(script.at(location), `set_config(${JSON.stringify(constant(args[0]) ?? '…')}, …, false) sets the value for the whole session, not the transaction`);
        }
      }
    }
  },
};

interface RoutineState {
  routine: Relation;
  /** Where SECURITY DEFINER was set, if the routine is a definer now. */
  definer: Location | undefined;
  pinned: boolean;
  /** Where search_path was reset, if it was pinned before. */
  unpinned: Location | undefined;
}

function routineName(value: unknown): Relation | undefined {
  const names = list(isNode(value) ? value.objname ?? value.funcname : undefined).map((item) => str(as(item, 'String')?.sval) ?? '');
  return relationFromNames(names);
}

function definerOption(options: unknown[]): { value: boolean; location: number | undefined } | undefined {
  for (const option of options.map((element) => as(element, 'DefElem'))) {
    if (option?.defname !== 'security') continue;
    const location = typeof option.location === 'number' && option.location >= 0 ? option.location : undefined;
    return { value: as(option.arg, 'Boolean')?.boolval === true, location };
  }
  return undefined;
}

/** SET search_path = … (true), RESET search_path / SET search_path TO DEFAULT / RESET ALL (false), nothing (undefined). */
function searchPathOption(options: unknown[]): boolean | undefined {
  let result: boolean | undefined;
  for (const option of options.map((element) => as(element, 'DefElem'))) {
    const set = option?.defname === 'set' ? as(option.arg, 'VariableSetStmt') : undefined;
    if (set === undefined) continue;
    if (set.kind === 'VAR_RESET_ALL') result = false;
    else if (str(set.name) === 'search_path') result = set.kind === 'VAR_SET_VALUE' || set.kind === 'VAR_SET_CURRENT';
  }
  return result;
}

/** Replays a unit's CREATE / ALTER / DROP FUNCTION and PROCEDURE statements. */
function routineStates(unit: SqlUnit): RoutineState[] {
  const routines: RoutineState[] = [];
  const find = (routine: Relation) => routines.find((state) => sameTable(state.routine, routine));
  for (const script of unit.scripts) {
    for (const statement of upStatements(script)) {
      if (statement.kind === 'CreateFunctionStmt') {
        const routine = routineName(statement.node);
        if (!routine) continue;
        const existing = find(routine);
        if (existing !== undefined) routines.splice(routines.indexOf(existing), 1);
        const options = list(statement.node.options);
        const definer = definerOption(options);
        routines.push({ routine, definer: definer?.value ? script.at(definer.location ?? statement.start) : undefined, pinned: searchPathOption(options) === true, unpinned: undefined });
      } else if (statement.kind === 'AlterFunctionStmt') {
        const routine = routineName(statement.node.func);
        if (!routine) continue;
        let state = find(routine);
        if (state === undefined) {
          // Created elsewhere: whether its CREATE pinned search_path is not known here, so only this statement counts.
          state = { routine, definer: undefined, pinned: false, unpinned: undefined };
          routines.push(state);
        }
        const actions = list(statement.node.actions);
        const definer = definerOption(actions);
        if (definer !== undefined) state.definer = definer.value ? script.at(definer.location ?? statement.start) : undefined;
        const pinned = searchPathOption(actions);
        if (pinned === true) (state.pinned = true), (state.unpinned = undefined);
        if (pinned === false) {
          if (state.pinned) state.unpinned = script.at(statement.start);
          state.pinned = false;
        }
      } else if (statement.kind === 'DropStmt' && ROUTINE_OBJECTS.has(str(statement.node.removeType) ?? '')) {
        for (const names of droppedNames(statement)) {
          const routine = relationFromNames(names);
          const state = routine ? find(routine) : undefined;
          if (state !== undefined) routines.splice(routines.indexOf(state), 1);
        }
      }
    }
  }
  return routines;
}

/** Where EXECUTE is taken from PUBLIC, in any SQL file: per routine, per schema (ALL FUNCTIONS IN SCHEMA), or by default privileges. */
function executeRevocations(scripts: readonly SqlScript[]): (routine: Relation) => boolean {
  const routines: Relation[] = [];
  const schemas = new Set<string>();
  let everywhere = false;
  for (const script of scripts) {
    for (const statement of script.statements) {
      const defaults = statement.kind === 'AlterDefaultPrivilegesStmt';
      const grant = defaults ? (isNode(statement.node.action) ? statement.node.action : undefined) : statement.kind === 'GrantStmt' ? statement.node : undefined;
      if (grant === undefined || grant.is_grant === true || !ROUTINE_OBJECTS.has(str(grant.objtype) ?? '')) continue;
      const privileges = list(grant.privileges).map((p) => str(as(p, 'AccessPriv')?.priv_name) ?? '');
      if (!list(grant.grantees).some(isPublic) || (privileges.length > 0 && !privileges.includes('execute'))) continue;
      if (defaults) {
        const inSchemas = list(statement.node.options).map((option) => as(option, 'DefElem')).find((option) => option?.defname === 'schemas');
        const named = list(as(inSchemas?.arg, 'List')?.items).map((item) => str(as(item, 'String')?.sval) ?? '');
        if (named.length === 0) everywhere = true;
        for (const schema of named) schemas.add(schema);
      } else if (grant.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') {
        for (const object of list(grant.objects)) schemas.add(str(as(object, 'String')?.sval) ?? '');
      } else {
        for (const object of list(grant.objects)) {
          const routine = routineName(as(object, 'ObjectWithArgs'));
          if (routine) routines.push(routine);
        }
      }
    }
  }
  return (routine) => everywhere || routines.some((revoked) => sameTable(revoked, routine)) || (routine.schema === undefined ? schemas.size > 0 : schemas.has(routine.schema));
}

const db06: PostgresCheck = {
  controlId: 'DB-06',
  docs:
    'Replays CREATE / ALTER / DROP FUNCTION and PROCEDURE in each run of SQL files (migrations in order) and flags a routine that ends up SECURITY DEFINER without a pinned search_path (not set in its CREATE or a later ALTER FUNCTION … SET search_path, or reset later; an ALTER FUNCTION … SECURITY DEFINER of a routine created elsewhere must set it in the same statement), ' +
    'or whose EXECUTE is not revoked from PUBLIC by any SQL file of the repository (REVOKE EXECUTE ON FUNCTION …, ON ALL FUNCTIONS IN SCHEMA …, or ALTER DEFAULT PRIVILEGES … REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC; where in the order that runs is not checked). Function bodies are strings and are not looked into.',
  fix: 'Add `SET search_path = pg_catalog, app, pg_temp` to the function, and `REVOKE EXECUTE ON FUNCTION … FROM PUBLIC` (or revoke it by default: `ALTER DEFAULT PRIVILEGES FOR ROLE <owner> REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`) before granting it to the roles that need it.',
  units(units, scripts, report) {
    const revoked = executeRevocations(scripts);
    for (const unit of units) {
      for (const state of routineStates(unit)) {
        if (state.definer === undefined) continue;
        const problems: string[] = [];
        if (!state.pinned) problems.push('does not pin search_path: a caller can shadow the objects it uses');
        if (!revoked(state.routine)) problems.push('stays executable by PUBLIC: no REVOKE EXECUTE … FROM PUBLIC (nor default privileges that revoke it)');
        if (problems.length === 0) continue;
        report(state.pinned ? state.definer : (state.unpinned ?? state.definer), `SECURITY DEFINER function ${qualified(state.routine)} ${problems.join(', and ')}`);
      }
    }
  },
};

const MD5_VERIFIER = /^md5[0-9a-f]{32}$/i;
const WEAK_ENCRYPTION = new Set(['md5', 'on', 'true']);

const db07: PostgresCheck = {
  controlId: 'DB-07',
  docs: 'Flags password_encryption = md5 in postgresql.conf, SET / ALTER SYSTEM / ALTER ROLE … SET password_encryption = md5 in SQL, and a literal md5 verifier in CREATE/ALTER ROLE … PASSWORD.',
  fix: "Set `password_encryption = 'scram-sha-256'` and reset every password so that no md5 verifier remains.",
  sql(script, report) {
    for (const statement of script.statements) {
      for (const set of findAll(statement.node, 'VariableSetStmt').concat(statement.kind === 'VariableSetStmt' ? [statement.node] : [])) {
        if (str(set.name) !== 'password_encryption') continue;
        const value = constant(list(set.args)[0]);
        if (value !== undefined && WEAK_ENCRYPTION.has(value.toLowerCase())) report(locationOf(script, statement, list(set.args)[0]), `password_encryption is set to ${value}: new passwords are stored as md5 hashes`);
      }
      if (statement.kind !== 'CreateRoleStmt' && statement.kind !== 'AlterRoleStmt') continue;
      for (const option of list(statement.node.options)) {
        const element = as(option, 'DefElem');
        const password = str(as(element?.arg, 'String')?.sval);
        if (element?.defname === 'password' && password !== undefined && MD5_VERIFIER.test(password)) {
          report(script.at(typeof element.location === 'number' && element.location >= 0 ? element.location : statement.start), 'the role gets a literal md5 password verifier');
        }
      }
    }
  },
  conf(file, settings, report) {
    const last = settings.filter((setting) => setting.name === 'password_encryption').at(-1);
    if (last && WEAK_ENCRYPTION.has(last.value.toLowerCase())) report({ file: file.path, line: last.line, column: last.column }, `password_encryption = ${last.value}: new passwords are stored as md5 hashes`);
  },
};

const HBA_TYPES = new Set(['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc']);
const WEAK_METHODS = new Set(['trust', 'password', 'md5']);
const NETMASK = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]*:[0-9a-f:]*$/i;
const BARE_ADDRESS = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]*:[0-9a-f:.]*$/i;

const db08: PostgresCheck = {
  controlId: 'DB-08',
  docs: 'In pg_hba.conf, flags every entry whose method is trust, password or md5, and every host, hostnossl, hostgssenc or hostnogssenc entry whose method is not reject (only hostssl may admit network clients).',
  fix: 'Use only `hostssl … scram-sha-256` for network entries (and `hostnossl all all all reject`), never trust, password or md5.',
  hba(file, lines, report) {
    for (const entry of lines) {
      const type = entry.tokens[0]!;
      const kind = type.text.toLowerCase();
      const methodIndex =
        kind === 'local' ? 3 : entry.tokens[3] && BARE_ADDRESS.test(entry.tokens[3].text) && entry.tokens[4] && NETMASK.test(entry.tokens[4].text) ? 5 : 4;
      const method = entry.tokens[methodIndex];
      if (!method) continue;
      const name = method.text.toLowerCase();
      if (WEAK_METHODS.has(name)) {
        report({ file: file.path, line: entry.line, column: method.column }, `${kind} entry uses the ${name} method: ${name === 'trust' ? 'no password at all' : 'a password that is sent or stored weakly'}`);
      } else if (kind !== 'local' && kind !== 'hostssl' && name !== 'reject') {
        report({ file: file.path, line: entry.line, column: type.column }, `${kind} entry admits network connections without TLS (only hostssl entries, or reject)`);
      }
    }
  },
};

const CHECKS: readonly PostgresCheck[] = [db02, db03, db04, db05, db06, db07, db08];

// ---- Readers ------------------------------------------------------------------------------------

/** Splits conf text into lines of tokens; `#` starts a comment outside double quotes; `\` at the end continues. */
export function tokenizeConf(text: string, quote: '"' | "'"): ConfLine[] {
  const result: ConfLine[] = [];
  const raw = text.split('\n');
  let pending: ConfLine | undefined;
  raw.forEach((lineText, index) => {
    const entry: ConfLine = pending ?? { line: index + 1, tokens: [] };
    pending = undefined;
    let i = 0;
    let continued = false;
    const line = lineText.replace(/\r$/, '');
    while (i < line.length) {
      const c = line[i]!;
      if (c === '#') break;
      if (/\s/.test(c)) {
        i += 1;
        continue;
      }
      if (c === '\\' && line.slice(i + 1).trim() === '') {
        continued = true;
        break;
      }
      const start = i;
      let token = '';
      while (i < line.length && !/\s/.test(line[i]!) && line[i] !== '#') {
        if (line[i] === quote) {
          token += quote;
          i += 1;
          while (i < line.length) {
            if (line[i] === quote && line[i + 1] === quote) (token += quote + quote), (i += 2);
            else if (line[i] === quote) break;
            else (token += line[i]), (i += 1);
          }
          token += quote;
          i += 1;
        } else (token += line[i]), (i += 1);
      }
      entry.tokens.push({ text: token, column: start + 1 });
    }
    if (continued) pending = entry;
    else if (entry.tokens.length > 0) result.push(entry);
  });
  if (pending !== undefined && (pending as ConfLine).tokens.length > 0) result.push(pending);
  return result;
}

function readSettings(file: SourceFile, emit: Emitter): Setting[] {
  const settings: Setting[] = [];
  for (const entry of tokenizeConf(file.text, "'")) {
    const tokens = entry.tokens.flatMap((token) => {
      // `name=value` written without spaces is one token: split it at the first = outside quotes.
      const eq = token.text.indexOf('=');
      if (eq <= 0 || token.text.startsWith("'")) return [token];
      const parts = [{ text: token.text.slice(0, eq), column: token.column }, { text: '=', column: token.column + eq }];
      if (eq + 1 < token.text.length) parts.push({ text: token.text.slice(eq + 1), column: token.column + eq + 1 });
      return parts;
    });
    const name = tokens[0]!;
    if (!/^[A-Za-z_][\w.-]*$/.test(name.text)) {
      emit.note({ file: file.path, line: entry.line, column: name.column, message: `not a setting: ${name.text}` });
      continue;
    }
    const value = tokens[1]?.text === '=' ? tokens[2] : tokens[1];
    if (!value) continue;
    const unquoted = value.text.startsWith("'") && value.text.endsWith("'") && value.text.length >= 2 ? value.text.slice(1, -1).replaceAll("''", "'") : value.text;
    settings.push({ name: name.text.toLowerCase(), value: unquoted, line: entry.line, column: value.column });
  }
  return settings;
}

function readHba(file: SourceFile, emit: Emitter): ConfLine[] {
  const entries: ConfLine[] = [];
  for (const entry of tokenizeConf(file.text, '"')) {
    const type = entry.tokens[0]!.text.toLowerCase();
    if (type.startsWith('include')) continue;
    const needed = type === 'local' ? 4 : 5;
    if (!HBA_TYPES.has(type) || entry.tokens.length < needed) {
      emit.note({ file: file.path, line: entry.line, column: entry.tokens[0]!.column, message: `not checked: malformed pg_hba.conf entry (${HBA_TYPES.has(type) ? 'too few fields' : `unknown type ${entry.tokens[0]!.text}`})` });
      continue;
    }
    entries.push(entry);
  }
  return entries;
}

function readSql(file: SourceFile, emit: Pick<Emitter, 'note'>): SqlScript | undefined {
  const text = sanitizePsql(file.text);
  const at = byteLineLocator(file.path, text);
  const bytes = Buffer.from(text, 'utf8');
  let parsed: { stmts?: Array<{ stmt?: unknown; stmt_location?: number }> };
  try {
    parsed = parseSync(text) as typeof parsed;
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const position = typeof details?.cursorPosition === 'number' ? Math.max(0, details.cursorPosition - 1) : 0;
    const location = at(position);
    emit.note({ file: file.path, line: location.line, column: location.column, message: `not checked: malformed SQL (${(error as Error)?.message ?? String(error)})` });
    return undefined;
  }
  const statements: Statement[] = [];
  for (const raw of parsed.stmts ?? []) {
    if (!isNode(raw.stmt)) continue;
    const [kind, node] = Object.entries(raw.stmt)[0] ?? [];
    if (kind === undefined || !isNode(node)) continue;
    statements.push({ kind, node, start: firstToken(bytes, raw.stmt_location ?? 0) });
  }
  const down = DOWN_SECTION.exec(text);
  const downFrom = down === null ? undefined : Buffer.byteLength(text.slice(0, down.index), 'utf8');
  return { file, migration: MIGRATION_PATH.test(file.path), statements, at, downFrom };
}

export function isPostgresPath(path: string): boolean {
  return SQL_PATH.test(path) || HBA_PATH.test(path) || CONF_PATH.test(path);
}

// Each SQL file is parsed once: `finish` gets the same SourceFile objects `scan` read, and finds their parse here.
const parsedScripts = new WeakMap<SourceFile, SqlScript | null>();

function scriptOf(file: SourceFile, emit: Pick<Emitter, 'note'>): SqlScript | undefined {
  if (!parsedScripts.has(file)) parsedScripts.set(file, readSql(file, emit) ?? null);
  return parsedScripts.get(file) ?? undefined;
}

function isSqlPath(path: string): boolean {
  return !HBA_PATH.test(path) && !CONF_PATH.test(path);
}

function scanPostgres(file: SourceFile, emit: Emitter): void {
  const reporter = (check: PostgresCheck): Report => (location, message) => emit.finding(check.controlId, location, message);
  if (HBA_PATH.test(file.path)) {
    const lines = readHba(file, emit);
    for (const check of CHECKS) check.hba?.(file, lines, reporter(check));
  } else if (CONF_PATH.test(file.path)) {
    const settings = readSettings(file, emit);
    for (const check of CHECKS) check.conf?.(file, settings, reporter(check));
  } else {
    const script = scriptOf(file, emit);
    if (!script) return;
    for (const check of CHECKS) check.sql?.(script, reporter(check));
  }
}

function finishPostgres(files: readonly SourceFile[], emit: Emitter): void {
  // A malformed file was already reported by scan: here it is only left out.
  const scripts = files.filter((file) => isSqlPath(file.path)).flatMap((file) => scriptOf(file, { note: () => undefined }) ?? []);
  const units = unitsOf(scripts);
  for (const check of CHECKS) check.units?.(units, scripts, (location, message) => emit.finding(check.controlId, location, message));
}

export const postgresFamily: CheckFamily = {
  id: 'postgres',
  title: 'PostgreSQL migrations and configuration',
  checks: CHECKS,
  selects: isPostgresPath,
  scan: scanPostgres,
  finish: finishPostgres,
};
