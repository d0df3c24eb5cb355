/** Help texts. Kept free of imports so `secure-stack --help` loads almost nothing. */

export const MAIN_HELP = `secure-stack: a FastAPI + Next.js + PostgreSQL + Docker + GitHub Actions stack, secure by default

Usage:
  secure-stack new <name> [options]     create a project (same as: npm create secure-stack@latest <name>)
  secure-stack check [PATH] [options]   audit a repository against the control catalog (read-only)
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
