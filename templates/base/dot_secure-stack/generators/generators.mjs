/**
 * The secure-stack micro-generators: `route`, `table`, `action`, `page` and `secret`.
 *
 * One source for two runners. `secure-stack gen <generator> <name>` loads this module from its package and runs
 * it through node-plop with action types bound to its virtual Tree (plan, --dry-run, atomic commit, strict
 * template escaping). The repository's own `plopfile.mjs` loads the copy under `.secure-stack/generators/`, so a
 * team runs the same generators with `npx plop@4.0.5 route invoices` and nothing else installed.
 *
 * Plain JavaScript with no dependency: the plopfile must work in a repository without node_modules.
 * Templates (`*.handlebars` beside this file) print values only through the escaper helpers below; names are
 * validated before any template sees them, so every value is a plain identifier-like string.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

export const GENERATOR_NAMES = ["route", "table", "action", "page", "secret"];

const MAX_NAME_LENGTH = 40;

const PYTHON_KEYWORDS = new Set([
  "false",
  "none",
  "true",
  "and",
  "as",
  "assert",
  "async",
  "await",
  "break",
  "class",
  "continue",
  "def",
  "del",
  "elif",
  "else",
  "except",
  "finally",
  "for",
  "from",
  "global",
  "if",
  "import",
  "in",
  "is",
  "lambda",
  "nonlocal",
  "not",
  "or",
  "pass",
  "raise",
  "return",
  "try",
  "while",
  "with",
  "yield",
  "match",
  "case",
  "type",
]);

/** PostgreSQL's reserved key words (and those reserved as table names): they would need quoting as a table name. */
const SQL_RESERVED = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "authorization",
  "binary",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "collation",
  "column",
  "concurrently",
  "constraint",
  "create",
  "cross",
  "current_catalog",
  "current_date",
  "current_role",
  "current_schema",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "freeze",
  "from",
  "full",
  "grant",
  "group",
  "having",
  "ilike",
  "in",
  "initially",
  "inner",
  "intersect",
  "into",
  "is",
  "isnull",
  "join",
  "lateral",
  "leading",
  "left",
  "like",
  "limit",
  "localtime",
  "localtimestamp",
  "natural",
  "not",
  "notnull",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "outer",
  "overlaps",
  "placing",
  "primary",
  "references",
  "returning",
  "right",
  "select",
  "session_user",
  "similar",
  "some",
  "symmetric",
  "system_user",
  "table",
  "tablesample",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "verbose",
  "when",
  "where",
  "window",
  "with",
]);

/** Names the generated stack already uses for its own route, table or page. */
const TAKEN = {
  route: new Set(["health", "healthz", "me", "projects"]),
  table: new Set(["tenants", "projects", "schema_migrations"]),
  page: new Set(["api", "auth", "projects"]),
};

/**
 * Why a name is refused, or undefined. A name is lowercase words joined by "-" or "_" (`invoices`,
 * `line-items`) or one camelCase/PascalCase word (`createInvoice`); its kebab-case form must pass the project
 * name rules (secure-stack's src/answers/names.ts), so it is safe as a path, a Python module, a SQL identifier
 * and a TS identifier.
 */
export function nameProblem(raw) {
  if (typeof raw !== "string" || raw.length === 0) return "the name is empty";
  if (!/^[A-Za-z][A-Za-z0-9]*(?:[-_][a-z0-9]+)*$/.test(raw)) {
    return 'use lowercase words joined by "-" or "_" (line-items) or one camelCase word (createInvoice): letters and digits only, starting with a letter';
  }
  if (/[-_]/.test(raw) && /[A-Z]/.test(raw))
    return 'mix no uppercase letters with "-" or "_"';
  const words = nameWords(raw);
  const kebab = words.join("-");
  if (kebab.length > MAX_NAME_LENGTH)
    return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (!/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(kebab))
    return "each word must start with a letter or digit";
  const snake = words.join("_");
  if (PYTHON_KEYWORDS.has(snake)) return `"${snake}" is a Python keyword`;
  if (SQL_RESERVED.has(snake))
    return `"${snake}" is a reserved word of PostgreSQL`;
  if (/^pg_/.test(snake))
    return 'PostgreSQL reserves names starting with "pg_"';
  return undefined;
}

function nameWords(raw) {
  return raw
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .split(/[-_]/)
    .map((word) => word.toLowerCase());
}

function plural(word) {
  if (/(?:s|x|z|ch|sh)$/.test(word))
    return word.endsWith("s") ? word : `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

function singular(word) {
  if (/[^aeiou]ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(?:x|z|ch|sh|ss)es$/.test(word)) return word.slice(0, -2);
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

function forms(words) {
  const pascal = words
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
  return {
    kebab: words.join("-"),
    snake: words.join("_"),
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    pascal,
    title: words
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(" "),
  };
}

/**
 * The forms of a validated name, per language, plus the resource it works on. For `route`, `table` and `page`
 * the name is the resource (`invoices`); an `action` is a verb and a resource (`createInvoice` works on
 * `invoices`: scope `invoices:write`, API `POST /v1/invoices`).
 */
export function componentNames(generator, raw) {
  const problem = nameProblem(raw);
  if (problem !== undefined)
    throw new GeneratorError(
      `invalid ${generator} name ${JSON.stringify(raw)}: ${problem}`,
    );
  const words = nameWords(raw);
  let resourceWords = words;
  if (generator === "action") {
    if (words.length < 2) {
      throw new GeneratorError(
        `invalid action name ${JSON.stringify(raw)}: name it verb + resource (createInvoice, archive-invoice)`,
      );
    }
    resourceWords = [...words.slice(1, -1), plural(words.at(-1))];
  }
  const resource = forms(resourceWords);
  const item = forms([
    ...resourceWords.slice(0, -1),
    singular(resourceWords.at(-1)),
  ]);
  if (item.pascal === resource.pascal) item.pascal = `${resource.pascal}Item`;
  const taken = TAKEN[generator];
  if (taken !== undefined && taken.has(resource.snake)) {
    throw new GeneratorError(
      `invalid ${generator} name ${JSON.stringify(raw)}: the stack already has ${resource.snake}`,
    );
  }
  return { given: raw, ...forms(words), resource, item };
}

export class GeneratorError extends Error {}

/** Escapers for the values templates print. Names are validated first, so these refuse rather than escape. */
const SAFE_TEXT =
  /^[A-Za-z0-9_./:,()%*-](?:[A-Za-z0-9 _./:,()%*-]*[A-Za-z0-9_./:,()%*-])?$/;
function safe(helper, value) {
  if (typeof value !== "string" || !SAFE_TEXT.test(value)) {
    throw new GeneratorError(
      `${helper}: refusing ${JSON.stringify(value)} (only validated names reach templates)`,
    );
  }
  return value;
}
export const ESCAPERS = {
  ident: (value) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(safe("ident", value)))
      throw new GeneratorError(`ident: refusing ${JSON.stringify(value)}`);
    return value;
  },
  pyStr: (value) => `"${safe("pyStr", value)}"`,
  jsStr: (value) => `"${safe("jsStr", value)}"`,
  sqlLiteral: (value) => `'${safe("sqlLiteral", value)}'`,
  sqlIdent: (value) => {
    // PostgreSQL silently truncates identifiers to 63 bytes.
    if (safe("sqlIdent", value).length > 63)
      throw new GeneratorError(
        `sqlIdent: refusing ${JSON.stringify(value)} (longer than 63 bytes)`,
      );
    return `"${value}"`;
  },
};

/** The values every template sees. `project.dbPrefix` names the database roles (`<prefix>_app`, …). */
export function templateData(generator, names, project) {
  const { resource, item } = names;
  const roles = {
    owner: `${project.dbPrefix}_owner`,
    migrator: `${project.dbPrefix}_migrator`,
    app: `${project.dbPrefix}_app`,
  };
  return {
    names,
    roles,
    scopes: {
      read: `${resource.snake}:read`,
      write: `${resource.snake}:write`,
    },
    api: { collection: `/${resource.kebab}`, path: `/v1/${resource.kebab}` },
    sql: {
      table: `app.${resource.snake}`,
      list: `select id, name, created_at from app.${resource.snake} order by created_at, id`,
      insert: `insert into app.${resource.snake} (tenant_id, name) values (%s, %s) returning id, name, created_at`,
      index: `${resource.snake}_tenant_id_idx`,
      policy: `${resource.snake}_tenant_isolation`,
    },
    web: {
      page: `/${resource.kebab}`,
      input: `${names.camel}Input`,
      dal: `list${resource.pascal}`,
    },
    item,
    generator,
  };
}

const ROUTER_IMPORT = /^from app\.routes import (.+)$/m;
const INCLUDE_ROUTER = /^( *)app\.include_router\(\w+\.router\)$/gm;
const APP_RUN = /^run "\$app_url" .+\.sql$/gm;

/**
 * What a generator writes: new files (each refused if it exists) and minimal insert-if-missing edits of existing
 * files. `repo.read(path)` returns a file's text or undefined; `repo.list(dir)` the file names in a folder.
 */
export function planComponent(generator, names, repo) {
  const { resource } = names;
  const needs = (file, layer) => {
    if (repo.read(file) === undefined)
      throw new GeneratorError(
        `${generator} needs the ${layer} layer (${file} is missing)`,
      );
  };
  switch (generator) {
    case "route":
      needs("api/app/factory.py", "api");
      return {
        files: [
          {
            template: "route/route.py.handlebars",
            path: `api/app/routes/${resource.snake}.py`,
          },
          {
            template: "route/test_route.py.handlebars",
            path: `api/tests/test_${resource.snake}.py`,
          },
        ],
        edits: [
          {
            path: "api/app/factory.py",
            apply: (text) => includeRouter(text, resource.snake),
          },
        ],
      };
    case "table": {
      needs("db/migrations/0001_tenants.up.sql", "db");
      const migrations = repo.list("db/migrations");
      for (const file of migrations.filter((name) =>
        name.endsWith(".up.sql"),
      )) {
        if (
          createsTable(repo.read(`db/migrations/${file}`) ?? "", resource.snake)
        ) {
          throw new GeneratorError(
            `db/migrations/${file} already creates app.${resource.snake}`,
          );
        }
      }
      const version = String(
        Math.max(
          0,
          ...migrations.map((name) => Number(/^(\d+)_/.exec(name)?.[1] ?? 0)),
        ) + 1,
      ).padStart(4, "0");
      return {
        files: [
          {
            template: "table/up.sql.handlebars",
            path: `db/migrations/${version}_${resource.snake}.up.sql`,
          },
          {
            template: "table/down.sql.handlebars",
            path: `db/migrations/${version}_${resource.snake}.down.sql`,
          },
          {
            template: "table/policy-test.sql.handlebars",
            path: `db/tests/${resource.snake}.sql`,
          },
        ],
        edits: [
          {
            path: "db/tests/run.sh",
            apply: (text) => runPolicyTest(text, `${resource.snake}.sql`),
          },
        ],
      };
    }
    case "action":
      needs("web/lib/server/auth.ts", "web");
      return {
        files: [
          {
            template: "action/action.ts.handlebars",
            path: `web/app/actions/${names.kebab}.ts`,
          },
          {
            template: "action/input.ts.handlebars",
            path: `web/lib/inputs/${names.kebab}.ts`,
          },
          {
            template: "action/action.test.ts.handlebars",
            path: `web/test/${names.kebab}.test.ts`,
          },
        ],
        edits: [],
      };
    case "page":
      needs("web/lib/server/auth.ts", "web");
      return {
        files: [
          {
            template: "page/page.tsx.handlebars",
            path: `web/app/${resource.kebab}/page.tsx`,
          },
          {
            template: "page/dal.ts.handlebars",
            path: `web/lib/server/${resource.kebab}.ts`,
          },
        ],
        edits: [],
      };
    case "secret": {
      needs("compose.yaml", "containers");
      needs("scripts/make-secrets.sh", "containers");
      const service = /^ {2}api:$/m.test(repo.read("compose.yaml"))
        ? "api"
        : "web";
      const edits = [
        {
          path: "compose.yaml",
          apply: (text) => addComposeSecret(text, service, names.snake),
        },
        {
          path: "scripts/make-secrets.sh",
          apply: (text) => addMakeSecret(text, names),
        },
      ];
      if (repo.read("docs/security/SECRETS.md") !== undefined) {
        edits.push({
          path: "docs/security/SECRETS.md",
          apply: (text) => addInventoryRow(text, names, service),
        });
      }
      return { files: [], edits };
    }
    default:
      throw new GeneratorError(
        `unknown generator ${JSON.stringify(generator)} (generators: ${GENERATOR_NAMES.join(", ")})`,
      );
  }
}

function createsTable(sql, table) {
  const words = sql.toLowerCase().split(/\s+/);
  return words.some(
    (word, index) =>
      word === "table" &&
      words[index - 1] === "create" &&
      (words[index + 1] === `app.${table}` ||
        words[index + 1] === `app.${table}(`),
  );
}

/** api/app/factory.py: `from app.routes import …, NAME` and `app.include_router(NAME.router)` after the last one. */
export function includeRouter(text, module) {
  const imported = ROUTER_IMPORT.exec(text);
  const includes = [...text.matchAll(INCLUDE_ROUTER)];
  if (imported === null || includes.length === 0) {
    throw new GeneratorError(
      `api/app/factory.py: found no "from app.routes import …" line or no app.include_router(…) call; include ${module}.router by hand`,
    );
  }
  let result = text;
  const modules = imported[1].split(",").map((entry) => entry.trim());
  if (!modules.includes(module)) {
    result = result.replace(
      ROUTER_IMPORT,
      `from app.routes import ${[...modules, module].join(", ")}`,
    );
  }
  const call = `app.include_router(${module}.router)`;
  if (!includes.some((match) => match[0].trim() === call)) {
    const last = [...result.matchAll(INCLUDE_ROUTER)].at(-1);
    const end = last.index + last[0].length;
    result = `${result.slice(0, end)}\n${last[1]}${call}${result.slice(end)}`;
  }
  return result;
}

/** db/tests/run.sh: `run "$app_url" FILE` after the last test run as the app role. */
export function runPolicyTest(text, file) {
  const line = `run "$app_url" ${file}`;
  const runs = [...text.matchAll(APP_RUN)];
  if (runs.some((match) => match[0] === line)) return text;
  if (runs.length === 0)
    throw new GeneratorError(
      `db/tests/run.sh: found no 'run "$app_url" …' line; add ${line} by hand`,
    );
  const last = runs.at(-1);
  const end = last.index + last[0].length;
  return `${text.slice(0, end)}\n${line}${text.slice(end)}`;
}

const indentOf = (line) => line.length - line.trimStart().length;
const isContent = (line) =>
  line.trim() !== "" && !line.trimStart().startsWith("#");

/** Index of the line `key:` at exactly `indent` spaces between `from` and `to` (exclusive), or -1. */
function findKey(lines, key, indent, from = 0, to = lines.length) {
  for (let index = from; index < to; index++) {
    if (lines[index] === `${" ".repeat(indent)}${key}:`) return index;
  }
  return -1;
}

/** Index of the last content line of the block that the key line at `start` opens (its more-indented lines). */
function lastLineOf(lines, start) {
  const indent = indentOf(lines[start]);
  let last = start;
  for (let index = start + 1; index < lines.length; index++) {
    if (!isContent(lines[index])) continue;
    if (indentOf(lines[index]) <= indent) break;
    last = index;
  }
  return last;
}

/**
 * compose.yaml: the secret declared at the top level (`NAME: {file: ./secrets/NAME}`), mounted into `service`
 * and named by `NAME_FILE: /run/secrets/NAME` in its environment. Line edits that keep every other line as it
 * is, at the indentation the file uses; a layout they do not recognise stops the run (nothing written).
 */
export function addComposeSecret(text, service, secret) {
  const variable = `${secret.toUpperCase()}_FILE`;
  const fail = (why) => {
    throw new GeneratorError(
      `compose.yaml: ${why}; add the secret ${secret} by hand`,
    );
  };
  let lines = text.split("\n");
  const topSecrets = findKey(lines, "secrets", 0);
  if (topSecrets < 0) fail("no top-level secrets:");
  if (
    findKey(
      lines,
      secret,
      2,
      topSecrets + 1,
      lastLineOf(lines, topSecrets) + 1,
    ) >= 0
  ) {
    throw new GeneratorError(
      `compose.yaml already declares the secret ${secret}`,
    );
  }
  const services = findKey(lines, "services", 0);
  const serviceLine =
    services < 0
      ? -1
      : findKey(
          lines,
          service,
          2,
          services + 1,
          lastLineOf(lines, services) + 1,
        );
  if (serviceLine < 0) fail(`no service ${service}`);
  const serviceEnd = lastLineOf(lines, serviceLine) + 1;
  const environment = findKey(
    lines,
    "environment",
    4,
    serviceLine + 1,
    serviceEnd,
  );
  const mounted = findKey(lines, "secrets", 4, serviceLine + 1, serviceEnd);
  if (environment < 0 || mounted < 0)
    fail(`the ${service} service has no environment: or no secrets:`);
  const environmentEnd = lastLineOf(lines, environment);
  const mountedEnd = lastLineOf(lines, mounted);
  const environmentLines = lines
    .slice(environment + 1, environmentEnd + 1)
    .filter(isContent);
  const mountedLines = lines
    .slice(mounted + 1, mountedEnd + 1)
    .filter(isContent);
  if (
    environmentLines.some((line) => line.trimStart().startsWith("- ")) ||
    !mountedLines.every((line) => line.trimStart().startsWith("- "))
  ) {
    fail(
      `the ${service} service's environment: is not a mapping or its secrets: not a list`,
    );
  }
  if (
    environmentLines.some((line) => line.trimStart().startsWith(`${variable}:`))
  ) {
    throw new GeneratorError(
      `compose.yaml: the ${service} service already sets ${variable}`,
    );
  }
  // Bottom-up, so that each index still points where it did.
  const insertions = [
    [
      lastLineOf(lines, topSecrets),
      [`  ${secret}:`, `    file: ./secrets/${secret}`],
    ],
    [environmentEnd, [`      ${variable}: /run/secrets/${secret}`]],
    [mountedEnd, [`      - ${secret}`]],
  ].sort((a, b) => b[0] - a[0]);
  for (const [after, added] of insertions)
    lines = [...lines.slice(0, after + 1), ...added, ...lines.slice(after + 1)];
  return lines.join("\n");
}

/** scripts/make-secrets.sh: a random value for the new secret file, before the closing summary line. */
export function addMakeSecret(text, names) {
  const call = `new_secret ${names.snake} "$(random_hex)"`;
  if (text.split("\n").includes(call)) return text;
  const summary = text.lastIndexOf('\necho "make-secrets.sh: $created');
  if (summary < 0 || !text.includes("\nrandom_hex() {")) {
    throw new GeneratorError(
      `scripts/make-secrets.sh: found no closing summary line or no random_hex; add ${call} by hand`,
    );
  }
  const block = [
    "",
    `# ${names.title} (added by secure-stack gen secret): a random value; if the value comes from elsewhere, write it into secrets/${names.snake}.`,
    call,
  ].join("\n");
  return `${text.slice(0, summary)}${block}\n${text.slice(summary)}`;
}

/** docs/security/SECRETS.md: a row of the inventory table, after its last row. */
export function addInventoryRow(text, names, service) {
  const escaped = (value) => value.replaceAll("_", "\\_");
  const variable = escaped(`${names.snake.toUpperCase()}_FILE`);
  const row = `| ${names.title} | the ${service} service | secret file mounted at /run/secrets, read through ${variable} | every 90 days | it appeared anywhere outside the secret store |`;
  const lines = text.split("\n");
  if (lines.includes(row)) return text;
  const header = lines.findIndex((line) => /^\| *Secret *\|/.test(line));
  if (header < 0 || !/^\| *-+ *\|/.test(lines[header + 1] ?? "")) {
    throw new GeneratorError(
      `docs/security/SECRETS.md: found no inventory table; add ${names.snake} to it by hand`,
    );
  }
  let last = header + 1;
  while (lines[last + 1]?.startsWith("|")) last++;
  return [...lines.slice(0, last + 1), row, ...lines.slice(last + 1)].join(
    "\n",
  );
}

/** The prompt plop asks (and `npx plop route invoices` bypasses). */
function namePrompt(generator) {
  return [
    {
      type: "input",
      name: "name",
      message:
        generator === "action"
          ? "action name (verb + resource, e.g. createInvoice)"
          : `${generator} name (e.g. invoices)`,
      validate: (value) => nameProblem(value) ?? true,
    },
  ];
}

const GENERATOR_DESCRIPTIONS = {
  route:
    "FastAPI router with NAME:read/NAME:write scopes, tenant-scoped queries and 401/403/cross-tenant tests",
  table:
    "migration pair for a tenant table under FORCE row-level security, with its policy tests",
  action:
    "Server Action that authenticates, authorizes and validates, with a test",
  page: "server component reading through the data access layer",
  secret:
    "compose file secret, its *_FILE variable, make-secrets.sh and the secrets inventory",
};

/**
 * Registers the generators on a plop (or node-plop) instance. `io` decides where files go:
 *   io.read(path) → text | undefined, io.list(dir) → file names, io.write(path, text),
 *   io.template(name) → the text of a template beside this module, io.render(templateText, templateLabel, data) → text.
 * Every generator runs three actions: `secure-stack:plan` (validates and refuses to overwrite anything, before
 * anything is written), `secure-stack:add` per file and `secure-stack:edit` per edit.
 */
export function registerGenerators(plop, { project, io }) {
  const planned = new Map();
  // Async, so that a thrown error reaches plop as a failed action with its message.
  plop.setActionType("secure-stack:plan", async (answers, config) => {
    const names = componentNames(config.generator, answers.name);
    const plan = planComponent(config.generator, names, io);
    const existing = plan.files
      .filter((file) => io.read(file.path) !== undefined)
      .map((file) => file.path);
    if (existing.length > 0)
      throw new GeneratorError(`refusing to overwrite ${existing.join(", ")}`);
    const data = templateData(config.generator, names, project);
    // Edits are computed now so that a failing one stops the run before any file is written.
    const edits = plan.edits.map((edit) => ({
      path: edit.path,
      text: edit.apply(io.read(edit.path)),
    }));
    planned.set(config.generator, { plan, data, edits });
    return `${config.generator} ${names.given}: ${plan.files.length} file(s), ${edits.length} edit(s)`;
  });
  plop.setActionType("secure-stack:add", async (answers, config) => {
    const { plan, data } = planned.get(config.generator);
    for (const file of plan.files)
      io.write(
        file.path,
        io.render(io.template(file.template), file.template, data),
      );
    return plan.files.map((file) => file.path).join(", ");
  });
  plop.setActionType("secure-stack:edit", async (answers, config) => {
    const { edits } = planned.get(config.generator);
    for (const edit of edits)
      if (edit.text !== io.read(edit.path)) io.write(edit.path, edit.text);
    return edits.map((edit) => edit.path).join(", ") || "nothing to edit";
  });
  for (const generator of GENERATOR_NAMES) {
    plop.setGenerator(generator, {
      description: GENERATOR_DESCRIPTIONS[generator],
      prompts: namePrompt(generator),
      actions: [
        { type: "secure-stack:plan", generator },
        { type: "secure-stack:add", generator },
        { type: "secure-stack:edit", generator },
      ],
    });
  }
}

/**
 * For the repository's plopfile: files under `root` (written atomically, never over an existing file), and
 * templates rendered by plop's Handlebars with the escapers (returned as `toHTML` objects, so Handlebars prints
 * them as they are instead of HTML-escaping them).
 */
export function diskIO(plop, root, templatesDir) {
  for (const [name, escape] of Object.entries(ESCAPERS)) {
    plop.setHelper(name, (value) => {
      const text = escape(value);
      return { toHTML: () => text };
    });
  }
  const full = (file) => path.join(root, ...file.split("/"));
  return {
    read: (file) =>
      existsSync(full(file)) ? readFileSync(full(file), "utf8") : undefined,
    list: (dir) => (existsSync(full(dir)) ? readdirSync(full(dir)).sort() : []),
    write: (file, text) => {
      // An edited file keeps its mode (db/tests/run.sh stays executable); a new one is 0644.
      const mode = existsSync(full(file))
        ? statSync(full(file)).mode & 0o777
        : 0o644;
      mkdirSync(path.dirname(full(file)), { recursive: true });
      writeFileSync(`${full(file)}.tmp`, text, { flag: "wx", mode });
      chmodSync(`${full(file)}.tmp`, mode);
      renameSync(`${full(file)}.tmp`, full(file));
    },
    template: (name) => readFileSync(path.join(templatesDir, name), "utf8"),
    render: (text, label, data) => plop.renderString(text, data),
  };
}
