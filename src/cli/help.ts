/** Help texts. Kept free of imports so `secure-stack --help` loads almost nothing. */

export const MAIN_HELP = `secure-stack: a FastAPI + Next.js + PostgreSQL + Docker + GitHub Actions stack, secure by default

Usage:
  secure-stack new <name> [options]     create a project (same as: npm create secure-stack@latest <name>)
  secure-stack check [PATH] [options]   audit a repository against the control catalog (read-only)
  secure-stack add [layer...] [options] add the missing hardened pieces to an existing repository
  secure-stack diff [options]           what differs from the templates for the recorded answers
  secure-stack upgrade [options]        bring in new templates or changed answers by 3-way merge
  secure-stack gen <generator> <name>   stamp out a route, table, action, page or secret the hardened way
  secure-stack help [command]           show help
  secure-stack --version                print the version

Run "secure-stack new --help" or "secure-stack check --help" for a command's options.

Exit codes: 0 done, 1 failed, 2 bad input (nothing written), 130 cancelled.
`;

export const NEW_HELP = `Usage: secure-stack new <name> [options]
       npm create secure-stack@latest <name> -- [options]

Answers (each also asked by the wizard; flags win over --answers, which wins over the preset):
  --preset <name|path>         built-in preset (default, api-only, strict) or a preset YAML file [default]
  --answers <file>             answers from a YAML file (keys: projectName, layers, cloud, multiTenant,
                               oidcIssuer, oidcAudience, securityContact)
  --layers <list>              comma-separated: api,web,db,containers,ci,docs
  --cloud <aws|gcp|azure|none> cloud for OIDC deploys
  --multi-tenant               tenant claim + row-level security per tenant (default)
  --no-multi-tenant            single tenant
  --oidc-issuer <url>          identity provider issuer URL (https; http only for localhost)
  --oidc-audience <aud>        the API's audience ("<name>-api" by default)
  --security-contact <uri>     e-mail, mailto:, tel: or https: contact for SECURITY.md and security.txt

Behaviour:
  -y, --yes                    no questions: take the defaults, the preset and the flags
  --dry-run                    print the plan (CREATE / UPDATE / UNCHANGED per file); write nothing
  --json                       machine-readable output (the plan with --dry-run, the result otherwise)
  --git / --no-git             git init and a first commit (default: --git)
  --install / --no-install     install dependencies (default: asked; --no-install with --yes)
  --allow-nonempty             write into an existing non-empty directory; a file that differs from
                               what would be generated is a conflict and stops the run
  --overwrite                  with --allow-nonempty: replace differing files (listed as UPDATE)
  --pin-digests                resolve each base image's sha256 digest from its registry and write
                               name:tag@sha256:... (offline: the tags stay, and a note says so)
  -h, --help                   this help
`;

export const CHECK_HELP = `Usage: secure-stack check [PATH] [options]

Audits the repository at PATH (default: the current directory) against the control catalog. Files are
only read and parsed, never executed. Skips .git, node_modules, virtualenvs, caches, build output and
what git ignores (every .gitignore, for its own directory and below, and .git/info/exclude).

Checks in this version:
{{CHECKS}}

Options:
  --format <text|json|sarif>             text (grouped by layer; default), JSON (schemaVersion 1: tool,
                                         root, failOn, failed, controls, summary, findings[{controlId,
                                         title, layer, severity, file, line, column, message, fix,
                                         fingerprint, suppression?, baselineState?}], notes), or SARIF
                                         2.1.0 for code scanning (suppressed findings are suppressed results)
  --fail-on <low|medium|high|critical>   lowest severity that fails the run [default: high]
  --baseline <file>                      JSON baseline: findings in it are "unchanged" and do not fail
                                         the run; the others are "new"
  --write-baseline <file>                write every unsuppressed finding to a baseline file and exit 0
                                         (replaces only an existing secure-stack baseline)
  --show-suppressed                      text: also list suppressed and baseline findings
  -h, --help                             this help

Suppressions (always with a reason; a directive without one is not honoured and is reported as a note):
  # secure-stack: ignore[CTR-03] reason
      in a comment on the finding's line, or as the whole line just above it
  # secure-stack: ignore-file[CI-02,CI-03] reason
      in a comment anywhere in the file: every finding of those controls in that file
  Use the file's comment syntax: # (YAML, Dockerfile, Python, shell, conf, TOML, .env), -- or /* */ (SQL),
  // or /* */ (TS/JS; {/* */} in JSX). The directive must be the whole comment; inside a string it does
  not count. In .secure-stack.yaml at PATH:
    suppressions:
      - { control: CTR-02, path: "legacy/**", reason: "...", owner: "@team", expires: 2026-12-31, line: 3 }
  (path: a file or a glob with * ** ? {a,b}; line and expires are optional; once expired, the findings
  count again and a note says so.)

Exit codes: 0 nothing counted at or above --fail-on, 1 findings at or above it, 2 bad usage (unknown
flag, PATH missing or not a directory, a missing or malformed baseline, an invalid suppressions section,
a --write-baseline file that exists and is not a baseline); nothing is written then.
`;

export const DIFF_HELP = `Usage: secure-stack diff [options]

Run at the root of a repository made by create-secure-stack. Renders this version's templates with the
answers recorded in .secure-stack.yaml, in memory, and prints a unified diff per file that differs
(a/ = the template, b/ = your repository): missing (the templates give it, the repository lacks it),
changed, or extra (recorded, but the templates no longer give it), each with who changed it, told
apart by content hashes: "you changed this file", "the template changed", or both. Writes nothing
(except that it first completes an upgrade that was interrupted, and says so).

Options:
  --exit-code     exit 1 when anything differs (like git diff --exit-code), for CI
  --json          machine-readable: schemaVersion 1, root, recordedTemplateVersion, templateVersion,
                  clean, files[{path, status, changedBy, reason, binary, patch}]
  -h, --help      this help

Exit codes: 0 done, 1 differences with --exit-code, 2 bad usage or no .secure-stack.yaml.
`;

export const UPGRADE_HELP = `Usage: secure-stack upgrade [options]

Run at the root of a repository made by create-secure-stack. For every generated file, a 3-way merge of
what the recorded templates gave (found by the manifest's hashes: re-rendered, or recovered from git),
what this version gives for the answers (changed with --set), and your file: your edits stay, the
template's changes come in, and where both changed the same lines you get git-style conflict markers
(<<<<<<< yours / ||||||| template OLD / ======= / >>>>>>> template NEW), listed at the end. Files you
deleted stay deleted; files the template no longer generates are deleted only if you never changed
them; files not in the manifest are never touched. The files and .secure-stack.yaml are written as one
journaled commit: if the run is killed, the next upgrade or diff completes it.

Options:
  --set <key=value>   change an answer (repeatable): projectName, layers (comma list), cloud
                      (aws|gcp|azure|none), multiTenant (true|false), oidcIssuer, oidcAudience,
                      securityContact; checked like "new" (locked preset keys cannot change)
  --to <version>      the version to upgrade to; only this tool's own version (for another one run
                      npx create-secure-stack@<version> upgrade)
  -y, --yes           apply without asking (required without a terminal)
  --dry-run           print the plan (CREATE / UPDATE / DELETE / MERGE / CONFLICT / KEEP per file); write
                      nothing (an interrupted upgrade found on disk is still completed first)
  --allow-dirty       run on a working tree with uncommitted changes, or outside a git repository
  -h, --help          this help

Exit codes: 0 upgraded or nothing to do, 1 conflicts remain, 2 bad input, dirty tree or no manifest
(nothing written), 130 cancelled (nothing written).
`;

export const ADD_HELP = `Usage: secure-stack add [layer...] [options]

Run at the root of an existing repository. Detects what it has, in subfolders too (FastAPI: a
pyproject.toml or requirements*.txt naming fastapi; Next.js: a package.json depending on next;
Dockerfiles, Compose files, GitHub workflows, SQL or Alembic migrations), asks which layers to add
(api, web, db, containers, ci, docs) and where each lives, and adds their missing hardened pieces:
  - a missing file is created;
  - an existing file is edited by inserting only what it lacks, never changing a line you wrote:
    package.json (dependencies, scripts), .gitignore/.dockerignore (lines), Compose (read_only,
    cap_drop: [ALL], no-new-privileges per service), workflows (top-level permissions,
    persist-credentials: false on checkouts), next.config (poweredByHeader: false, headers());
  - any other existing file that differs is left as it is, with the template's version beside it as
    <file>.secure-stack-proposal (listed in the summary).
A folder that already holds an application gets only the pieces that stand beside it, never a second
application. .secure-stack.yaml records the answers, the layers with their folders and the files
created, so that diff and upgrade work afterwards. A second run changes nothing.

Options:
  -y, --yes            no questions: the layers named (or those detected) in the folders detected
  --api-dir <dir>      folder of the FastAPI service ("." for the root)
  --web-dir <dir>      folder of the Next.js app
  --db-dir <dir>       folder for the database files (server configuration, roles, migrations)
  --dry-run            print the plan; write nothing
  --allow-dirty        add even when the git working tree has uncommitted changes (or is no git repository)
  --json               machine-readable output (actions, files, the equivalent command)
  -h, --help           this help

Exit codes: 0 done, 2 bad input, a dirty tree, or a layer folder that is ambiguous with --yes (nothing
written), 130 cancelled.
`;

export const GEN_HELP = `Usage: secure-stack gen <generator> <name> [options]

Run at the root of a repository made by create-secure-stack. Stamps out a new component the way the
stack's own code is written, with its tests:
  route NAME    api/app/routes/NAME.py: GET and POST /v1/NAME behind the NAME:read / NAME:write scopes,
                queries in the caller's tenant transaction; api/tests/test_NAME.py (401, 403,
                cross-tenant); the router included in api/app/factory.py
  table NAME    db/migrations/NNNN_NAME.up.sql + .down.sql: app.NAME with tenant_id and its index,
                ENABLE + FORCE ROW LEVEL SECURITY, a fail-closed tenant policy, grants to the app role;
                db/tests/NAME.sql (isolation tests), run by db/tests/run.sh
  action NAME   a verb + resource (createInvoice): web/app/actions/create-invoice.ts, a Server Action
                that authenticates, checks the invoices:write scope and validates with a strict schema
                (web/lib/inputs/create-invoice.ts) before it calls POST /v1/invoices; web/test/ test
  page NAME     web/app/NAME/page.tsx, a server component reading through web/lib/server/NAME.ts (the
                data access layer: session, NAME:read scope, no-store API call, DTOs)
  secret NAME   compose.yaml: the file secret NAME (./secrets/NAME), mounted into the api service (the
                web service without an api) and named by NAME_FILE=/run/secrets/NAME in its environment;
                scripts/make-secrets.sh makes a random value; a row in docs/security/SECRETS.md
NAME: lowercase words joined by "-" or "_" (line-items), or one camelCase word (createInvoice); each
language gets its own form (snake_case for Python and SQL, camelCase/PascalCase for TS, kebab-case
for paths). A file that exists is never overwritten: the run stops and writes nothing. Edits of
existing files only insert what is missing. .secure-stack.yaml records the component (components:).
The repository's plopfile.mjs runs the same generators: npx plop@4.0.5 route invoices

Options:
  -y, --yes       write without asking (required without a terminal)
  --dry-run       print the plan (CREATE / UPDATE per file); write nothing
  --json          machine-readable plan: schemaVersion 1, generator, name, dryRun, files[{path, action}]
  -h, --help      this help

Exit codes: 0 done, 2 bad input (unknown generator, invalid name, a file exists, a layer is missing,
no manifest; nothing written), 130 cancelled (nothing written).
`;
