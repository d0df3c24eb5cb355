/** What `add` detects in an existing repository, and where it places each layer. */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dirCandidates, relocate } from '../../src/lifecycle/add-layout.js';
import { detectRepository } from '../../src/lifecycle/detect.js';
import { DiskAdapter } from '../../src/tree/disk.js';
import { Tree } from '../../src/tree/tree.js';
import { makeTempDir, removeDir } from '../support/cli.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeDir(dir);
});

function detect(files: Record<string, string>, folderName = 'some-repo') {
  const parent = makeTempDir('secure-stack-detect-');
  made.push(parent);
  const root = path.join(parent, folderName);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  mkdirSync(root, { recursive: true });
  return detectRepository(new Tree(new DiskAdapter(root)));
}

describe('detectRepository', () => {
  it('finds FastAPI services by their declared dependency, in any folder and any declaration style', () => {
    const found = detect({
      'services/a/requirements.txt': 'uvicorn\nFastAPI[standard]>=0.115 ; python_version >= "3.11"\n',
      'services/b/pyproject.toml': '[project]\nname = "b"\ndependencies = [\n  "fastapi>=0.110",\n]\n',
      'services/c/pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.12"\nfastapi = "^0.115"\n',
      'services/d/requirements-dev.txt': 'fastapi-users==13.0\npytest\n', // another distribution
      'services/e/pyproject.toml': '# we moved away from fastapi\n[project]\nname = "e"\n',
      'node_modules/x/requirements.txt': 'fastapi\n',
    });
    expect(found.fastapiDirs).toEqual(['services/a', 'services/b', 'services/c']);
  });

  it('finds Next.js apps, Dockerfiles, Compose files, workflows and migrations', () => {
    const found = detect({
      'package.json': '{ "name": "@acme/Site", "devDependencies": { "next": "15.0.0" } }',
      'docs/package.json': '{ "dependencies": { "nextra": "3" } }',
      'broken/package.json': '{ "dependencies": ',
      'Dockerfile': 'FROM x\n',
      'api/api.Dockerfile': 'FROM x\n',
      'ops/docker-compose.prod.yml': 'services: {}\n',
      '.github/workflows/ci.yaml': 'on: push\n',
      '.github/actions/x/action.yml': 'runs: {}\n',
      'db/migrations/001_init.sql': 'create table t (id int);\n',
      'backend/alembic/env.py': 'from alembic import context\n',
      'migrations/V1__init.sql': 'select 1;\n',
    });
    expect(found.nextDirs).toEqual(['']);
    expect(found.dockerfiles).toEqual(['Dockerfile', 'api/api.Dockerfile']);
    expect(found.composeFiles).toEqual(['ops/docker-compose.prod.yml']);
    expect(found.workflows).toEqual(['.github/workflows/ci.yaml']);
    expect(found.dbDirs).toEqual(['backend', 'db']);
    expect(found.evidence.db.db).toEqual(['db/migrations/001_init.sql', 'migrations/V1__init.sql']);
    expect(found.projectName).toBe('site');
  });

  it('derives a valid project name from the package name or the folder, else "app"', () => {
    expect(detect({ 'package.json': '{ "name": "@acme/tiny-lib" }' }).projectName).toBe('tiny-lib');
    expect(detect({}, 'My.Great Repo!').projectName).toBe('my-great-repo');
    expect(detect({ 'package.json': '{ "name": "123" }' }, '2024')).toMatchObject({ projectName: 'app' });
  });
});

describe('layer folders', () => {
  it('puts the database files apart from an application that keeps its migrations inside it', () => {
    const found = detect({
      'backend/pyproject.toml': 'dependencies = ["fastapi"]\n',
      'backend/alembic.ini': '[alembic]\n',
      'database/migrations/1.sql': 'select 1;\n',
    });
    expect(dirCandidates(found)).toEqual({ api: ['backend'], web: [], db: ['database', 'db'] });
  });

  it('moves template paths under the chosen folders, the root included', () => {
    const dirs = { api: 'services/api', web: '', db: 'db' };
    expect(relocate('api/app/main.py', dirs)).toBe('services/api/app/main.py');
    expect(relocate('web/next.config.ts', dirs)).toBe('next.config.ts');
    expect(relocate('web/public/.well-known/security.txt', dirs)).toBe('public/.well-known/security.txt');
    expect(relocate('db/pg_hba.conf', dirs)).toBe('db/pg_hba.conf');
    expect(relocate('compose.yaml', dirs)).toBe('compose.yaml');
    expect(relocate('webhooks/x', dirs)).toBe('webhooks/x');
  });
});
