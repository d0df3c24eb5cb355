/**
 * What an existing repository already has, found by reading (never running) its files, in subfolders too:
 * FastAPI services (a pyproject.toml or requirements*.txt that names fastapi), Next.js apps (a package.json
 * depending on next), Dockerfiles, Compose files, GitHub workflows, SQL and Alembic migrations. Discovery
 * is `check`'s: it skips dependencies, virtualenvs, build output and what git ignores.
 */
import * as path from 'node:path';
import { projectNameProblem } from '../answers/names.js';
import { discoverFiles } from '../check/discover.js';
import type { Tree } from '../tree/tree.js';

export interface DetectedRepository {
  /** Every discovered file (relative POSIX paths). */
  files: string[];
  /** Folders holding a FastAPI service ('' is the root). */
  fastapiDirs: string[];
  /** Folders holding a Next.js app. */
  nextDirs: string[];
  /** Folders that look like the database's: the parent of a SQL migrations folder, or where Alembic lives. */
  dbDirs: string[];
  dockerfiles: string[];
  composeFiles: string[];
  workflows: string[];
  /** For each kind of application, the files that gave it away, by folder (to tell the user's apart from add's own). */
  evidence: Record<'fastapi' | 'next' | 'db', Record<string, string[]>>;
  /** A project name derived from the repository (package name or folder name), valid for the answers. */
  projectName: string;
}

const COMPOSE_NAME = /^(?:docker-)?compose(?:\.[^/.]+)?\.ya?ml$/;
const DOCKERFILE_NAME = /^(?:Dockerfile|Containerfile)(?:\..+)?$|\.(?:Dockerfile|Containerfile)$/;
const WORKFLOW_PATH = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const REQUIREMENTS_NAME = /^requirements[^/]*\.(?:txt|in)$/;

export function detectRepository(tree: Tree): DetectedRepository {
  const files = discoverFiles(tree.root).files.map((file) => file.path);
  const evidence: DetectedRepository['evidence'] = { fastapi: {}, next: {}, db: {} };
  const found = (kind: keyof DetectedRepository['evidence'], dir: string, file: string): void => {
    (evidence[kind][dir] ??= []).push(file);
  };
  const dockerfiles: string[] = [];
  const composeFiles: string[] = [];
  const workflows: string[] = [];
  for (const file of files) {
    const name = path.posix.basename(file);
    const dir = dirOf(file);
    if (name === 'pyproject.toml' || REQUIREMENTS_NAME.test(name)) {
      if (namesFastapi(name, tree.readText(file) ?? '')) found('fastapi', dir, file);
    } else if (name === 'package.json') {
      if (dependsOnNext(tree.readText(file) ?? '')) found('next', dir, file);
    } else if (DOCKERFILE_NAME.test(name)) {
      dockerfiles.push(file);
    } else if (COMPOSE_NAME.test(name)) {
      composeFiles.push(file);
    }
    if (WORKFLOW_PATH.test(file)) workflows.push(file);
    const databaseDir = migrationHome(file);
    if (databaseDir !== undefined) found('db', databaseDir, file);
  }
  return {
    files,
    fastapiDirs: Object.keys(evidence.fastapi).sort(),
    nextDirs: Object.keys(evidence.next).sort(),
    dbDirs: Object.keys(evidence.db).sort(),
    evidence,
    dockerfiles,
    composeFiles,
    workflows,
    projectName: projectNameFor(tree),
  };
}

export function dirOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === '.' ? '' : dir;
}

/**
 * A dependency naming the fastapi distribution (not fastapi-users and the like): in requirements files a line
 * starting with it (`fastapi`, `FastAPI[standard]>=0.115 ; …`); in pyproject.toml a quoted requirement string
 * anywhere (PEP 621 lists, one per line or inline) or a Poetry table key (`fastapi = "^0.115"`).
 */
function namesFastapi(fileName: string, text: string): boolean {
  if (fileName !== 'pyproject.toml') return REQUIREMENT_LINE.test(text);
  return QUOTED_REQUIREMENT.test(text) || POETRY_KEY.test(text);
}

const REQUIREMENT_LINE = /^\s*fastapi(?:\[[^\]]*\])?\s*(?:[<>=!~;@(,\s]|$)/im;
const QUOTED_REQUIREMENT = /["']\s*fastapi(?:\[[^\]]*\])?\s*(?:[<>=!~;@(,\s"']|$)/i;
const POETRY_KEY = /^\s*["']?fastapi["']?\s*=/im;

function dependsOnNext(text: string): boolean {
  try {
    const manifest = JSON.parse(text) as Record<string, unknown>;
    return ['dependencies', 'devDependencies'].some((section) => {
      const dependencies = manifest[section];
      return typeof dependencies === 'object' && dependencies !== null && 'next' in dependencies;
    });
  } catch {
    return false;
  }
}

/**
 * Where the database lives, judged from one migration file: `…/migrations/*.sql` (and Flyway's
 * `…/migration/V1__x.sql`) → the folder above the migrations folder; Alembic (`alembic.ini`, `…/alembic/env.py`,
 * `…/versions/*.py` under alembic) → the folder holding alembic. The repository root counts as `db` (the
 * database's files get a folder of their own).
 */
function migrationHome(file: string): string | undefined {
  const segments = file.split('/');
  const name = segments.at(-1)!;
  let home: string | undefined;
  if (name.endsWith('.sql')) {
    const index = segments.findIndex((segment) => segment === 'migrations' || segment === 'migration');
    if (index >= 0 && index < segments.length - 1) home = segments.slice(0, index).join('/');
  } else if (name === 'alembic.ini') {
    home = dirOf(file);
  } else if (name === 'env.py' && segments.at(-2) === 'alembic') {
    home = segments.slice(0, -2).join('/');
  }
  if (home === undefined) return undefined;
  return home === '' ? 'db' : home;
}

/** The root package.json's name (without scope), else the folder's name, made valid; `app` when nothing fits. */
function projectNameFor(tree: Tree): string {
  const candidates: string[] = [];
  try {
    const name = (JSON.parse(tree.readText('package.json') ?? '{}') as { name?: unknown }).name;
    if (typeof name === 'string') candidates.push(name.replace(/^@[^/]+\//, ''));
  } catch {
    // not JSON: the folder name decides
  }
  candidates.push(path.basename(tree.root));
  for (const candidate of candidates) {
    const name = candidate
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+/, '')
      .replace(/-+$/, '')
      .slice(0, 40)
      .replace(/[-_]+$/, '');
    if (name !== '' && projectNameProblem(name) === undefined) return name;
  }
  return 'app';
}
