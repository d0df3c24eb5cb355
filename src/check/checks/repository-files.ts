/**
 * The repository's own configuration files beside its workflows: `.github/dependabot.yml` (CI-13), CODEOWNERS
 * (CI-15) and `.well-known/security.txt` (OPS-07). A family of their own because each is a different kind of
 * file with its own parser (YAML, CODEOWNERS' gitignore-style patterns, RFC 9116 fields), and they are read
 * together with the list of every file, which says which ecosystems, Dockerfiles and db/ files exist.
 *
 * Like the repository-level workflow checks, the presence checks apply to a repository with GitHub workflows
 * (the directory holding `.github/workflows/`, see github-workflows.ts): one without them is not set up on
 * GitHub in a way these files act on. A finding about a missing file points at line 1 of the repository's
 * first workflow. An existing security.txt is validated wherever it is, workflows or not.
 */
import ignore, { type Ignore } from 'ignore';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Location } from '../finding.js';
import type { CheckFamily, CheckSpec, Emitter, RepositoryView, RunContext, SourceFile } from '../registry.js';
import { deref, nodeAt, pairOf, parseYamlMapping, text, valueOf, type YamlFile } from '../yaml-nodes.js';
import { isComposePath, isDockerfilePath } from './dockerfiles-compose.js';
import { workflowRoots } from './github-workflows.js';

const DEPENDABOT_NAMES = ['.github/dependabot.yml', '.github/dependabot.yaml'];
/** Where GitHub looks for CODEOWNERS, in its order: the first one found is the one it uses. */
const CODEOWNERS_NAMES = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];
const SECURITY_TXT = /(?:^|\/)\.well-known\/security\.txt$/;
const RENOVATE_CONFIG = /^(?:\.github\/|\.gitlab\/)?(?:renovate\.json5?|\.renovaterc(?:\.json5?)?)$/;
/** Test data, not projects Dependabot should update. */
const FIXTURE_DIRECTORY = /(?:^|\/)(?:fixtures|__fixtures__|testdata|test-data|test-fixtures)\//;
const DAY_MS = 86_400_000;

function endsWithName(path: string, names: readonly string[]): boolean {
  return names.some((name) => path === name || path.endsWith(`/${name}`));
}

function selectsRepositoryFile(path: string): boolean {
  return endsWithName(path, DEPENDABOT_NAMES) || endsWithName(path, CODEOWNERS_NAMES) || SECURITY_TXT.test(path);
}

interface Repository {
  root: string;
  firstWorkflow: Location;
  /** Paths relative to the repository's root. */
  paths: string[];
  files: ReadonlyMap<string, SourceFile>;
}

type Report = (location: Location, message: string) => void;

interface RepositoryFileCheck extends CheckSpec {
  /** Per repository with workflows. */
  finishRepository?(repository: Repository, report: Report, emit: Emitter): void;
  /** Per selected file, wherever it is. */
  scanFile?(file: SourceFile, report: Report, run: RunContext): void;
}

// ---- CI-13 Dependabot ----------------------------------------------------------------------------

interface Ecosystem {
  /** The package-ecosystem values that cover it. */
  names: readonly string[];
  /** Whether a file (by its path) is a manifest of this ecosystem. */
  manifest(path: string): boolean;
  /** Whether an entry for an ancestor directory holding a manifest covers the ones below (npm and uv workspaces). */
  workspaces: boolean;
}

const ECOSYSTEMS: Record<string, Ecosystem> = {
  npm: { names: ['npm'], manifest: (path) => /(?:^|\/)package\.json$/.test(path), workspaces: true },
  pip: { names: ['pip', 'uv'], manifest: (path) => /(?:^|\/)(?:pyproject\.toml|requirements[^/]*\.txt|setup\.py|Pipfile)$/.test(path), workspaces: true },
  docker: { names: ['docker'], manifest: isDockerfilePath, workspaces: false },
  'docker-compose': { names: ['docker-compose'], manifest: isComposePath, workspaces: false },
};

function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '/' : `/${path.slice(0, slash)}`;
}

function normalisedDirectory(directory: string): string {
  const trimmed = directory.trim().replace(/^\.\/?/, '/').replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** A Dependabot `directory`/`directories` value (globs allowed in `directories`) as a test on a directory. */
function directoryMatcher(pattern: string): (directory: string) => boolean {
  const normalised = normalisedDirectory(pattern);
  if (!normalised.includes('*')) return (directory) => directory === normalised;
  const expression = normalised.split(/(\*\*|\*)/).map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const matcher = new RegExp(`^${expression}$`);
  return (directory) => matcher.test(directory) || (normalised.endsWith('/**') && directory === normalised.slice(0, -3));
}

interface UpdateEntry {
  ecosystem: string;
  ecosystemNode: unknown;
  node: unknown;
  directories: Array<(directory: string) => boolean>;
  directoryText: string;
}

function updateEntries(yaml: YamlFile): UpdateEntry[] {
  const updates = valueOf(yaml, yaml.root, 'updates');
  if (!isSeq(updates)) return [];
  return updates.items.map((item) => {
    const node = deref(yaml, item);
    const ecosystemNode = valueOf(yaml, node, 'package-ecosystem');
    const single = text(valueOf(yaml, node, 'directory'));
    const list = valueOf(yaml, node, 'directories');
    const patterns = [...(single === undefined ? [] : [single]), ...(isSeq(list) ? list.items.map((entry) => text(deref(yaml, entry)) ?? '') : [])].filter(Boolean);
    return { ecosystem: (text(ecosystemNode) ?? '').trim(), ecosystemNode, node, directories: patterns.map(directoryMatcher), directoryText: patterns.join(', ') || '(no directory)' };
  });
}

function hasCooldown(yaml: YamlFile, entry: UpdateEntry): boolean {
  const cooldown = valueOf(yaml, entry.node, 'cooldown');
  if (!isMap(cooldown)) return false;
  return ['default-days', 'semver-major-days', 'semver-minor-days', 'semver-patch-days'].some((key) => Number(text(valueOf(yaml, cooldown, key))) > 0);
}

const ci13: RepositoryFileCheck = {
  controlId: 'CI-13',
  docs:
    'In a repository with workflows, flags a missing .github/dependabot.yml (a Renovate configuration is noted instead: its minimumReleaseAge is not evaluated), every updates entry without a cooldown of at least one day, ' +
    'and an ecosystem the repository has that no entry covers: github-actions (always), npm (each directory with a package.json, or a workspace root above it), pip or uv (pyproject.toml, requirements*.txt, setup.py, Pipfile), ' +
    'docker (each directory with a Dockerfile) and docker-compose (each directory with a compose file). Manifests under fixtures/, __fixtures__/, testdata/ are test data and not required. Other ecosystems are not required.',
  fix: 'List every ecosystem and directory in .github/dependabot.yml, each with `cooldown: { default-days: 7 }` (a release waits a week before it is proposed).',
  finishRepository(repository, report, emit) {
    const path = DEPENDABOT_NAMES.map((name) => repository.files.get(`${repository.root}${name}`)).find((file) => file !== undefined);
    if (path === undefined) {
      const renovate = repository.paths.find((candidate) => RENOVATE_CONFIG.test(candidate));
      if (renovate !== undefined) {
        emit.note({ file: `${repository.root}${renovate}`, message: 'CI-13 not evaluated: dependency updates are configured with Renovate, whose minimumReleaseAge (the cooldown) this check does not read' });
      } else {
        report(repository.firstWorkflow, 'no .github/dependabot.yml: dependencies and actions are never updated, and known-vulnerable versions stay');
      }
      return;
    }
    const yaml = parseYamlMapping(path, emit, 'dependabot.yml');
    if (yaml === undefined) return;
    const entries = updateEntries(yaml);
    for (const entry of entries) {
      if (!hasCooldown(yaml, entry)) {
        report(nodeAt(yaml, entry.ecosystemNode ?? entry.node), `the ${entry.ecosystem || '?'} updates of ${entry.directoryText} have no cooldown: a release is proposed the day it is published, before a malicious one is caught`);
      }
    }
    const updatesKey = pairOf(yaml, yaml.root, 'updates')?.key;
    const where = updatesKey === undefined ? { file: path.path, line: 1, column: 1 } : nodeAt(yaml, updatesKey);
    if (!entries.some((entry) => entry.ecosystem === 'github-actions')) report(where, 'no github-actions updates: pinned action SHAs are never refreshed');
    const relevant = repository.paths.filter((candidate) => !FIXTURE_DIRECTORY.test(candidate));
    for (const [name, ecosystem] of Object.entries(ECOSYSTEMS)) {
      const manifests = relevant.filter(ecosystem.manifest);
      const manifestDirectories = new Set(manifests.map(directoryOf));
      const covering = entries.filter((entry) => ecosystem.names.includes(entry.ecosystem));
      const covered = (directory: string) => covering.some((entry) => entry.directories.some((matches) => matches(directory)));
      const ancestors = (directory: string) => {
        const found: string[] = [];
        for (let parent = directory; parent !== '/'; ) {
          parent = parent.slice(0, parent.lastIndexOf('/')) || '/';
          found.push(parent);
        }
        return found;
      };
      const uncovered = [...manifestDirectories].filter(
        (directory) => !covered(directory) && !(ecosystem.workspaces && ancestors(directory).some((parent) => manifestDirectories.has(parent) && covered(parent))),
      );
      if (uncovered.length === 0) continue;
      const example = manifests.find((manifest) => directoryOf(manifest) === uncovered[0]);
      report(where, `no ${ecosystem.names.join(' or ')} updates cover ${uncovered.sort().join(', ')} (e.g. ${example}): ${name === 'docker' || name === 'docker-compose' ? 'base images' : 'those dependencies'} are never updated`);
    }
  },
};

// ---- CI-15 CODEOWNERS ----------------------------------------------------------------------------

interface OwnerRule {
  line: number;
  pattern: Ignore;
  /** `docs/*` owns the files directly in docs/, not deeper ones (where CODEOWNERS differs from gitignore). */
  directChildrenOnly: boolean;
  owners: string[];
}

const OWNER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*)(?:\/[A-Za-z0-9._-]+)?$|^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function ownerRules(text: string): OwnerRule[] {
  const rules: OwnerRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const tokens = raw.trim().split(/\s+/).filter(Boolean);
    const comment = tokens.findIndex((token) => token.startsWith('#'));
    const kept = comment < 0 ? tokens : tokens.slice(0, comment);
    if (kept.length === 0) return;
    const pattern = kept[0]!.replace(/^\\#/, '#');
    // CODEOWNERS has no negation: GitHub skips such a line.
    if (pattern.startsWith('!')) return;
    rules.push({ line: index + 1, pattern: ignore().add(pattern), directChildrenOnly: pattern.endsWith('/*'), owners: kept.slice(1).filter((owner) => OWNER.test(owner)) });
  });
  return rules;
}

/** The rule that decides a path's owners: the last one that matches, as GitHub reads CODEOWNERS. */
function decidingRule(rules: readonly OwnerRule[], path: string): OwnerRule | undefined {
  for (let index = rules.length - 1; index >= 0; index -= 1) {
    try {
      const rule = rules[index]!;
      const parent = path.includes('/') ? `${path.slice(0, path.lastIndexOf('/'))}/` : undefined;
      if (rule.pattern.ignores(path) && !(rule.directChildrenOnly && parent !== undefined && rule.pattern.ignores(parent))) return rule;
    } catch {
      // a path `ignore` refuses (absolute, with a backslash) matches no rule
    }
  }
  return undefined;
}

const ci15: RepositoryFileCheck = {
  controlId: 'CI-15',
  docs:
    'In a repository with workflows, flags a missing CODEOWNERS (.github/, root or docs/, the first found as GitHub reads it) and, in it, the workflows, each Dockerfile and the files of db/ ' +
    'when the last matching rule gives them no owner (@user, @org/team or an e-mail address). Only the file is checked: the ruleset that requires code-owner review, status checks and no force pushes is a repository setting, visible only through the GitHub API.',
  fix: 'Add a CODEOWNERS with owners for `/.github/`, `Dockerfile` (any depth) and `/db/`, and a branch ruleset on the default branch requiring a pull request, code-owner review and status checks, with force pushes blocked.',
  finishRepository(repository, report) {
    const file = CODEOWNERS_NAMES.map((name) => repository.files.get(`${repository.root}${name}`)).find((candidate) => candidate !== undefined);
    if (file === undefined) {
      report(repository.firstWorkflow, 'no CODEOWNERS: a change to the workflows, Dockerfiles or database needs no particular reviewer');
      return;
    }
    const rules = ownerRules(file.text);
    const relativeWorkflow = repository.firstWorkflow.file.slice(repository.root.length);
    const targets: Array<{ what: string; paths: string[] }> = [
      { what: 'the workflows', paths: [relativeWorkflow] },
      { what: 'Dockerfile', paths: repository.paths.filter(isDockerfilePath) },
      { what: 'db/', paths: repository.paths.filter((path) => path.startsWith('db/')) },
    ];
    for (const { what, paths } of targets) {
      for (const path of paths) {
        const rule = decidingRule(rules, path);
        if (rule !== undefined && rule.owners.length > 0) continue;
        const location = { file: file.path, line: rule?.line ?? 1, column: 1 };
        report(location, rule === undefined ? `no CODEOWNERS rule covers ${path} (${what}): changes to it need no owner's review` : `the CODEOWNERS rule deciding ${path} (${what}) names no valid owner`);
        break;
      }
    }
  },
};

// ---- OPS-07 security.txt ------------------------------------------------------------------------

interface Field {
  name: string;
  value: string;
  line: number;
  column: number;
}

/** RFC 9116 fields, reading the content of a PGP cleartext-signed file when it is signed. */
function securityTxtFields(text: string): Field[] {
  const lines = text.split(/\r?\n/);
  const fields: Field[] = [];
  let index = 0;
  const signed = lines[0]?.trim() === '-----BEGIN PGP SIGNED MESSAGE-----';
  if (signed) {
    while (index < lines.length && lines[index]!.trim() !== '') index += 1;
  }
  for (; index < lines.length; index += 1) {
    let line = lines[index]!;
    if (signed && line.startsWith('-----BEGIN PGP SIGNATURE-----')) break;
    let offset = 0;
    if (signed && line.startsWith('- ')) {
      line = line.slice(2);
      offset = 2;
    }
    const colon = line.indexOf(':');
    if (line.trimStart().startsWith('#') || colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (!/^[A-Za-z0-9-]+$/.test(name)) continue;
    const rest = line.slice(colon + 1);
    const leading = rest.length - rest.trimStart().length;
    fields.push({ name: name.toLowerCase(), value: rest.trim(), line: index + 1, column: offset + colon + 2 + leading });
  }
  return fields;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an RFC 3339 date-time, or undefined when it is not one (or not a real date). */
export function parseRfc3339(value: string): number | undefined {
  const match = RFC3339.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return undefined;
  const zone = match[8]!;
  const offsetMinutes = /^[Zz]$/.test(zone) ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return utc.getTime() + Math.round(Number(match[7] ?? 0) * 1000) - offsetMinutes * 60_000;
}

const ops07: RepositoryFileCheck = {
  controlId: 'OPS-07',
  docs:
    'In a repository with workflows, flags a missing .well-known/security.txt (anywhere: web/public/.well-known/ for a Next.js app, or .well-known/ at the root). In every security.txt found (a PGP-signed one too): ' +
    'flags a missing Contact, a Contact that is not a mailto:, https:// or tel: URI, a missing or repeated Expires, an Expires that is not an RFC 3339 date-time, one in the past and one more than 366 days ahead of the time of the check. Serving it over HTTPS as text/plain is not visible in files.',
  fix: 'Publish .well-known/security.txt (RFC 9116) with `Contact: mailto:security@example.com` and `Expires: <RFC 3339 date-time less than a year ahead>`, and renew Expires before it passes.',
  finishRepository(repository, report) {
    if (!repository.paths.some((path) => SECURITY_TXT.test(path))) {
      report(repository.firstWorkflow, 'no .well-known/security.txt: a security researcher finds no machine-readable contact (RFC 9116)');
    }
  },
  scanFile(file, report, run) {
    if (!SECURITY_TXT.test(file.path)) return;
    const fields = securityTxtFields(file.text);
    const start = { file: file.path, line: 1, column: 1 };
    const locate = (field: Field) => ({ file: file.path, line: field.line, column: field.column });
    const contacts = fields.filter((field) => field.name === 'contact');
    if (contacts.length === 0) report(start, 'security.txt has no Contact field, which RFC 9116 requires');
    for (const contact of contacts) {
      if (!/^(?:mailto:|https:\/\/|tel:)\S+$/i.test(contact.value)) report(locate(contact), `Contact ${JSON.stringify(contact.value)} is not a mailto:, https:// or tel: URI`);
    }
    const expires = fields.filter((field) => field.name === 'expires');
    if (expires.length === 0) {
      report(start, 'security.txt has no Expires field, which RFC 9116 requires: readers cannot tell a stale file from a current one');
      return;
    }
    if (expires.length > 1) report(locate(expires[1]!), 'Expires appears more than once; RFC 9116 allows exactly one');
    const field = expires[0]!;
    const time = parseRfc3339(field.value);
    const now = run.now.getTime();
    if (time === undefined) report(locate(field), `Expires ${JSON.stringify(field.value)} is not an RFC 3339 date-time (e.g. 2027-01-31T23:59:59Z)`);
    else if (time <= now) report(locate(field), `security.txt expired on ${field.value}: readers must treat its contact data as stale`);
    else if (time - now > 366 * DAY_MS) report(locate(field), `Expires ${field.value} is more than 366 days ahead; RFC 9116 wants it under a year so the file is reviewed`);
  },
};

const CHECKS: readonly RepositoryFileCheck[] = [ci13, ci15, ops07];

function scanRepositoryFile(file: SourceFile, emit: Emitter, run: RunContext): void {
  for (const check of CHECKS) check.scanFile?.(file, (location, message) => emit.finding(check.controlId, location, message), run);
}

function finishRepositoryFiles(files: readonly SourceFile[], emit: Emitter, repository: RepositoryView): void {
  const byPath = new Map(files.map((file) => [file.path, file]));
  for (const { root, firstWorkflow, paths } of workflowRoots(repository.paths)) {
    const scope: Repository = { root, firstWorkflow, paths: paths.map((path) => path.slice(root.length)), files: byPath };
    for (const check of CHECKS) check.finishRepository?.(scope, (location, message) => emit.finding(check.controlId, location, message), emit);
  }
}

export const repositoryFilesFamily: CheckFamily = {
  id: 'repository-files',
  title: 'Dependabot, CODEOWNERS and security.txt',
  checks: CHECKS.map(({ controlId, docs, fix }) => ({ controlId, docs, fix })),
  selects: selectsRepositoryFile,
  scan: scanRepositoryFile,
  finish: finishRepositoryFiles,
};
