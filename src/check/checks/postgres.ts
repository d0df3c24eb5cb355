/**
 * PostgreSQL migrations and configuration: SQL files (`db/**\/*.sql`, `migrations/**\/*.sql`, `*.up.sql`) parsed
 * with the real PostgreSQL parser (libpg-query), `pg_hba.conf` and `postgresql.conf` read line by line with a small
 * tokenizer that honours quotes and comments: DB-02 … DB-08. Nothing is ever run against a database.
 *
 * psql syntax is not SQL: backslash commands are blanked and `:'var'`, `:"var"`, `:var` are replaced by
 * placeholders of the same length before parsing, so every offset still points into the file as written.
 * The analysis is per file: a table must get its row-level security and its policy in the file that creates it.
 * PL/pgSQL bodies (DO blocks, function bodies) are strings to the parser and are not looked into.
 */
import { loadModule, parseSync } from 'libpg-query';
import type { Location } from '../finding.js';
import type { CheckFamily, CheckSpec, Emitter, SourceFile } from '../registry.js';

// The parser is WebAssembly; it is loaded once, when the checks are first imported (`check` only), so that
// scanning stays synchronous.
await loadModule();

const SQL_PATH = /(^|\/)(db|migrations)\/(.+\/)?[^/]+\.sql$|\.up\.sql$/i;
const HBA_PATH = /(^|\/)pg_hba\.conf$/;
const CONF_PATH = /(^|\/)postgresql(\.auto)?\.conf$/;
const TEST_PATH = /(^|\/)tests?\//i;
const MIGRATION_PATH = /(^|\/)migrations\/|\.up\.sql$/i;

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

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** Maps UTF-8 byte offsets of `text` to 1-based lines and columns (columns count UTF-16 units, as editors do). */
function locator(path: string, text: string): (byteOffset: number) => Location {
  const starts = lineStarts(text);
  const ascii = !/[^\x00-\x7f]/.test(text);
  let byteToIndex: Int32Array | undefined;
  if (!ascii) {
    const bytes = Buffer.byteLength(text, 'utf8');
    byteToIndex = new Int32Array(bytes + 1);
    let byte = 0;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.codePointAt(i)!;
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      for (let k = 0; k < size; k += 1) byteToIndex[byte + k] = i;
      byte += size;
      if (code >= 0x10000) i += 1;
    }
    byteToIndex[bytes] = text.length;
  }
  return (byteOffset) => {
    const clamped = Math.max(0, byteOffset);
    const index = byteToIndex ? (byteToIndex[Math.min(clamped, byteToIndex.length - 1)] ?? text.length) : Math.min(clamped, text.length);
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= index) low = mid;
      else high = mid - 1;
    }
    return { file: path, line: low + 1, column: index - starts[low]! + 1 };
  };
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

/** Row-level security commands of every ALTER TABLE in the script. */
function rlsCommands(script: SqlScript): Array<{ table: Relation; subtype: string; statement: Statement }> {
  const commands: Array<{ table: Relation; subtype: string; statement: Statement }> = [];
  for (const statement of script.statements) {
    if (statement.kind !== 'AlterTableStmt') continue;
    const table = relationOf(statement.node.relation);
    if (!table) continue;
    for (const cmd of list(statement.node.cmds)) {
      const subtype = str(as(cmd, 'AlterTableCmd')?.subtype);
      if (subtype !== undefined && /RowSecurity$/.test(subtype)) commands.push({ table, subtype, statement });
    }
  }
  return commands;
}

function isPublic(role: unknown): boolean {
  return as(role, 'RoleSpec')?.roletype === 'ROLESPEC_PUBLIC';
}

/** Whether a setting name is a custom (dotted) setting such as app.tenant_id, or not a constant at all. */
function isCustomSetting(nameExpr: unknown): boolean {
  const name = constant(nameExpr);
  return name === undefined || name.includes('.');
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
  docs: 'Flags a CREATE TABLE in schema app, or any CREATE TABLE in a migration (migrations/**, *.up.sql), with no ALTER TABLE … ENABLE ROW LEVEL SECURITY and FORCE ROW LEVEL SECURITY for it in the same file (temporary tables are ignored).',
  fix: 'Add `ALTER TABLE <table> ENABLE ROW LEVEL SECURITY;` and `ALTER TABLE <table> FORCE ROW LEVEL SECURITY;` right after the CREATE TABLE.',
  sql(script, report) {
    const commands = rlsCommands(script);
    for (const statement of script.statements) {
      const rel =
        statement.kind === 'CreateStmt'
          ? statement.node.relation
          : statement.kind === 'CreateTableAsStmt' && statement.node.objtype === 'OBJECT_TABLE'
            ? (isNode(statement.node.into) ? statement.node.into.rel : undefined)
            : undefined;
      const table = relationOf(rel);
      if (!table || (isNode(rel) && rel.relpersistence === 't')) continue;
      if (table.schema !== 'app' && !script.migration) continue;
      const state = { enable: false, force: false };
      for (const command of commands) {
        if (!sameTable(command.table, table) || command.statement.start < statement.start) continue;
        if (command.subtype === 'AT_EnableRowSecurity') state.enable = true;
        if (command.subtype === 'AT_DisableRowSecurity') state.enable = false;
        if (command.subtype === 'AT_ForceRowSecurity') state.force = true;
        if (command.subtype === 'AT_NoForceRowSecurity') state.force = false;
      }
      if (state.enable && state.force) continue;
      const missing = [state.enable ? '' : 'ENABLE', state.force ? '' : 'FORCE'].filter(Boolean).join(' and ');
      report(script.at(table.location ?? statement.start), `table ${qualified(table)} is created without ${missing} ROW LEVEL SECURITY: every role with table privileges sees every row`);
    }
  },
};

const db04: PostgresCheck = {
  controlId: 'DB-04',
  docs: 'Flags a table whose row-level security is enabled with no CREATE POLICY for it in the same file, a FOR ALL/INSERT/UPDATE policy without WITH CHECK, and a permissive policy whose USING or WITH CHECK is constant true or lets rows through when the tenant setting is unset (e.g. `current_setting(...) IS NULL OR ...`).',
  fix: "Write one policy per table with `USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)` and the same WITH CHECK, so an unset tenant matches no row.",
  sql(script, report) {
    const policies = script.statements.filter((statement) => statement.kind === 'CreatePolicyStmt');
    const reported: Relation[] = [];
    for (const command of rlsCommands(script)) {
      if (command.subtype !== 'AT_EnableRowSecurity' || reported.some((table) => sameTable(table, command.table))) continue;
      reported.push(command.table);
      if (policies.some((policy) => { const table = relationOf(policy.node.table); return table !== undefined && sameTable(table, command.table); })) continue;
      report(script.at(command.table.location ?? command.statement.start), `row-level security is enabled on ${qualified(command.table)} but no policy is created for it: the application sees no row, and a later permissive fix-up is easy to get wrong`);
    }
    for (const policy of policies) {
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

const db06: PostgresCheck = {
  controlId: 'DB-06',
  docs: 'Flags CREATE FUNCTION / CREATE PROCEDURE … SECURITY DEFINER without a SET search_path clause.',
  fix: 'Add `SET search_path = pg_catalog, app, pg_temp` to the function, and `REVOKE EXECUTE ON FUNCTION … FROM PUBLIC`.',
  sql(script, report) {
    for (const statement of script.statements) {
      if (statement.kind !== 'CreateFunctionStmt') continue;
      const options = list(statement.node.options).map((option) => as(option, 'DefElem')).filter((option): option is AstNode => option !== undefined);
      const definer = options.find((option) => option.defname === 'security' && as(option.arg, 'Boolean')?.boolval === true);
      if (!definer) continue;
      const pinned = options.some((option) => option.defname === 'set' && str(as(option.arg, 'VariableSetStmt')?.name) === 'search_path');
      if (pinned) continue;
      const names = list(statement.node.funcname).map((name) => str(as(name, 'String')?.sval) ?? '?').join('.');
      const location = typeof definer.location === 'number' && definer.location >= 0 ? definer.location : statement.start;
      report(script.at(location), `SECURITY DEFINER function ${names} does not pin search_path: a caller can shadow the objects it uses`);
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

function readSql(file: SourceFile, emit: Emitter): SqlScript | undefined {
  const text = sanitizePsql(file.text);
  const at = locator(file.path, text);
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
  return { file, migration: MIGRATION_PATH.test(file.path), statements, at };
}

export function isPostgresPath(path: string): boolean {
  return SQL_PATH.test(path) || HBA_PATH.test(path) || CONF_PATH.test(path);
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
    const script = readSql(file, emit);
    if (!script) return;
    for (const check of CHECKS) check.sql?.(script, reporter(check));
  }
}

export const postgresFamily: CheckFamily = {
  id: 'postgres',
  title: 'PostgreSQL migrations and configuration',
  checks: CHECKS,
  selects: isPostgresPath,
  scan: scanPostgres,
};
