/**
 * The api layer: a FastAPI service generated for a multi-tenant and a single-tenant project, proven by running
 * its own attack suite (api/tests, pytest) with Debian's /usr/bin/python3 and scanning api/app with bandit.
 * Rendering checks read the generated files back with real parsers (TOML, POSIX sh, Python's ast): answers reach
 * them only through escapers, the tenancy difference is rendered in code and configuration, and none of the
 * constructs that fail silently on one FastAPI/pydantic generation appears in the code.
 */
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debian13Root, runPytestInDebian13 } from '../../support/debian13.js';
import { uuidV5 } from '../../../src/layers/api/index.js';
import { removeDir } from '../../support/cli.js';
import { generateProject, type GeneratedProject } from '../../support/project.js';
import { skipOrFail } from '../../support/tools.js';

const PYTHON = '/usr/bin/python3';
const TRAPS_SCRIPT = fileURLToPath(new URL('./static_traps.py', import.meta.url));
/** What the generated suite needs from Debian's packages (python3-fastapi, -jwt, -cryptography, -httpx, -pytest, -psycopg, -psycopg-pool). */
const PYTHON_MODULES = 'fastapi, jwt, cryptography, httpx, pytest, psycopg, psycopg_pool';
/** A clean environment: Debian's interpreter and tools only, no user site, no bytecode left in the project. */
const CLEAN_ENV = { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8' };
const MIN_PASSED = 20;

const PYTHON_APP_FILES = [
  'api/app/__init__.py',
  'api/app/db.py',
  'api/app/factory.py',
  'api/app/main.py',
  'api/app/models.py',
  'api/app/settings.py',
  'api/app/tenancy.py',
  'api/app/routes/health.py',
  'api/app/routes/me.py',
  'api/app/routes/projects.py',
  'api/app/security/auth.py',
  'api/app/security/context.py',
  'api/app/security/errors.py',
  'api/app/security/events.py',
  'api/app/security/headers.py',
  'api/app/security/hosts.py',
  'api/app/security/jwks.py',
  'api/app/security/limits.py',
  'api/app/security/policy.py',
  'api/app/security/ratelimit.py',
  'api/app/security/tokens.py',
];

function read(project: GeneratedProject, file: string): string {
  return readFileSync(path.join(project.dir, file), 'utf8');
}

function pythonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return pythonFiles(full);
    return name.endsWith('.py') ? [full] : [];
  });
}

/** The values a POSIX shell (and so a compose env file) reads from an env file. */
async function sourceEnvFile(file: string, names: string[]): Promise<Record<string, string>> {
  const script = 'set -a; . "$1"; set +a; shift; for n in "$@"; do eval "v=\\${$n-}"; printf "%s\\0" "$v"; done';
  const result = await execa('sh', ['-c', script, 'sh', file, ...names], { cwd: path.dirname(file), env: CLEAN_ENV, extendEnv: false });
  const values = result.stdout.split('\0');
  return Object.fromEntries(names.map((name, index) => [name, values[index] ?? '']));
}

async function toolMissing(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (apt-get install python3)`;
  const probe = await execa(PYTHON, ['-c', `import ${PYTHON_MODULES}`], { env: CLEAN_ENV, extendEnv: false, reject: false });
  if (probe.exitCode !== 0) {
    return `Debian's Python packages are missing (apt-get install python3-fastapi python3-jwt python3-cryptography python3-httpx python3-pytest python3-psycopg python3-psycopg-pool): ${probe.stderr.split('\n').at(-1) ?? ''}`;
  }
  const bandit = await execa('bandit', ['--version'], { env: CLEAN_ENV, extendEnv: false, reject: false });
  if (bandit.exitCode !== 0) return 'bandit is missing (apt-get install bandit)';
  return undefined;
}

interface PytestSummary {
  exitCode: number;
  passed: number;
  failed: number;
  skipped: number;
  output: string;
}

async function runSuite(apiDir: string): Promise<PytestSummary> {
  const result = await execa(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
    cwd: apiDir,
    env: CLEAN_ENV,
    extendEnv: false,
    reject: false,
    all: true,
    timeout: 120_000,
  });
  const output = String(result.all ?? '');
  // pytest -q ends with e.g. "135 passed in 6.11s" or "1 failed, 134 passed, 2 skipped in 6.2s".
  const summary = output.trim().split('\n').at(-1) ?? '';
  const count = (word: string): number => Number(new RegExp(`(\\d+) ${word}`).exec(summary)?.[1] ?? 0);
  return {
    exitCode: result.exitCode ?? -1,
    passed: count('passed'),
    failed: count('failed') + count('errors?'),
    skipped: count('skipped') + count('xfailed') + count('deselected'),
    output,
  };
}

describe('the api layer', () => {
  let multi: GeneratedProject;
  let single: GeneratedProject;
  let withContainers: GeneratedProject;

  beforeAll(async () => {
    [multi, single, withContainers] = await Promise.all([
      generateProject({ projectName: 'demo-app', layers: ['api'], multiTenant: true }),
      generateProject({ projectName: 'solo_app', layers: ['api'], multiTenant: false }),
      generateProject({ projectName: 'boxed', layers: ['api', 'containers'], oidcIssuer: 'https://login.example.org/realms/boxed' }),
    ]);
  });
  afterAll(() => {
    for (const project of [multi, single, withContainers]) if (project) removeDir(project.dir);
  });

  describe('rendering', () => {
    it('generates the service, its security package and its test suite under api/', () => {
      const files = multi.project.files.filter((file) => file.layer === 'api').map((file) => file.path);
      expect(files).toEqual(expect.arrayContaining([...PYTHON_APP_FILES, 'api/pyproject.toml', 'api/.env.example', 'api/README.md']));
      expect(files.filter((file) => file.startsWith('api/tests/test_')).length).toBeGreaterThanOrEqual(6);
      expect(files.every((file) => file.startsWith('api/'))).toBe(true);
      expect(multi.project.manifest.layers.api).toEqual({ directory: 'api', generated: true });
    });

    it('copies the Python code byte for byte: only tenancy.py differs between the tenancy modes', () => {
      const differing = PYTHON_APP_FILES.filter((file) => read(multi, file) !== read(single, file));
      expect(differing).toEqual(['api/app/tenancy.py']);
      expect(read(multi, 'api/app/tenancy.py')).toMatch(/^MULTI_TENANT = True$/m);
      expect(read(single, 'api/app/tenancy.py')).toMatch(/^MULTI_TENANT = False$/m);
      expect(read(single, 'api/app/tenancy.py')).not.toMatch(/MULTI_TENANT = True/);
    });

    it('pyproject.toml is valid TOML with current FastAPI, PyJWT[crypto], psycopg 3 with pool, uvicorn, and pytest + httpx for tests', () => {
      const toml = parseToml(read(multi, 'api/pyproject.toml')) as {
        project: { name: string; dependencies: string[]; 'optional-dependencies': { test: string[] } };
      };
      expect(toml.project.name).toBe('demo-app');
      const deps = toml.project.dependencies.join(' ');
      for (const dep of ['fastapi>=0.115', 'PyJWT[crypto]', 'psycopg[binary,pool]>=3', 'uvicorn']) expect(deps).toContain(dep);
      const testDeps = toml.project['optional-dependencies'].test.join(' ');
      expect(testDeps).toContain('pytest');
      expect(testDeps).toContain('httpx');
    });

    it('.env.example carries the answers through shell quoting, and the tenancy setting of each mode', async (context) => {
      if (!existsSync('/bin/sh')) return skipOrFail(context, '/bin/sh is missing');
      const names = ['APP_ENV', 'OIDC_ISSUER', 'OIDC_AUDIENCE', 'OIDC_JWKS_URI', 'OIDC_TENANT_CLAIM', 'APP_TENANT_ID', 'ALLOWED_HOSTS', 'CORS_ALLOWED_ORIGINS', 'DATABASE_URL_FILE', 'SERVICE_NAME'];
      const multiEnv = await sourceEnvFile(path.join(multi.dir, 'api/.env.example'), names);
      expect(multiEnv).toMatchObject({
        APP_ENV: 'production',
        OIDC_ISSUER: multi.answers.oidcIssuer,
        OIDC_AUDIENCE: 'demo-app-api',
        OIDC_JWKS_URI: 'https://idp.example.com/.well-known/jwks.json',
        OIDC_TENANT_CLAIM: 'tenant_id',
        APP_TENANT_ID: '',
        ALLOWED_HOSTS: 'localhost,127.0.0.1',
        CORS_ALLOWED_ORIGINS: '',
        DATABASE_URL_FILE: '/run/secrets/database_url',
        SERVICE_NAME: 'demo-app',
      });
      const singleEnv = await sourceEnvFile(path.join(single.dir, 'api/.env.example'), names);
      expect(singleEnv.OIDC_TENANT_CLAIM).toBe('');
      expect(singleEnv.APP_TENANT_ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(read(single, 'api/.env.example')).toContain('solo_app_app');
      const boxedEnv = await sourceEnvFile(path.join(withContainers.dir, 'api/.env.example'), names);
      expect(boxedEnv.ALLOWED_HOSTS).toBe('localhost,127.0.0.1,api');
      expect(boxedEnv.OIDC_JWKS_URI).toBe('https://login.example.org/realms/boxed/.well-known/jwks.json');
    });

    it('a hostile audience cannot change the meaning of .env.example', async (context) => {
      if (!existsSync('/bin/sh')) return skipOrFail(context, '/bin/sh is missing');
      const audience = "x'$(touch${IFS}pwned)`touch${IFS}pwned2`\";OIDC_ISSUER=http://evil";
      const hostile = await generateProject({ projectName: 'hostile', layers: ['api'], oidcAudience: audience });
      try {
        const values = await sourceEnvFile(path.join(hostile.dir, 'api/.env.example'), ['OIDC_AUDIENCE', 'OIDC_ISSUER']);
        expect(values).toEqual({ OIDC_AUDIENCE: audience, OIDC_ISSUER: hostile.answers.oidcIssuer });
        expect(existsSync(path.join(hostile.dir, 'api/pwned'))).toBe(false);
        expect(existsSync(path.join(hostile.dir, 'api/pwned2'))).toBe(false);
      } finally {
        removeDir(hostile.dir);
      }
    });

    it('the example tenant id is a stable RFC 4122 v5 UUID', () => {
      // RFC 4122 appendix B's check value: uuid5(NAMESPACE_DNS, "python.org").
      expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    });

    it('the README explains how to configure an identity provider, for the chosen tenancy', () => {
      const multiReadme = read(multi, 'api/README.md');
      expect(multiReadme).toContain('## Configure your identity provider');
      expect(multiReadme).toContain('projects:read');
      expect(multiReadme).toContain('.well-known/openid-configuration');
      expect(multiReadme).toContain('OIDC_TENANT_CLAIM');
      expect(multiReadme).not.toContain('APP_TENANT_ID');
      const singleReadme = read(single, 'api/README.md');
      expect(singleReadme).toContain('APP_TENANT_ID');
      expect(singleReadme).not.toContain('OIDC_TENANT_CLAIM');
      expect(multiReadme).toContain('python3 -m uvicorn app.main:app');
      expect(multiReadme).toContain('python3 -m pytest');
    });

    it('no generated Python uses a construct that fails silently on one FastAPI/pydantic generation', async (context) => {
      if (!existsSync(PYTHON)) return skipOrFail(context, `${PYTHON} is missing`);
      const files = pythonFiles(path.join(multi.dir, 'api'));
      expect(files.length).toBeGreaterThan(20);
      const result = await execa(PYTHON, [TRAPS_SCRIPT, ...files], { env: CLEAN_ENV, extendEnv: false });
      expect(JSON.parse(result.stdout)).toEqual([]);
      // The checker itself finds each trap (so an empty answer means something).
      const samples = path.join(multi.dir, 'trap_samples.py');
      writeFileSync(
        samples,
        [
          'from typing import Annotated',
          'from pydantic_settings import BaseSettings',
          'import pydantic_settings.sources',
          'from fastapi import Depends, FastAPI',
          'from pydantic import BaseModel, ConfigDict',
          'app = FastAPI(lifespan=None)',
          'def route(x: Annotated[int, Depends(int)]): ...',
          'class M(BaseModel):',
          '    model_config = ConfigDict(extra="forbid")',
          '',
        ].join('\n'),
      );
      const probe = await execa(PYTHON, [TRAPS_SCRIPT, samples], { env: CLEAN_ENV, extendEnv: false });
      const traps = (JSON.parse(probe.stdout) as Array<{ trap: string }>).map((finding) => finding.trap).sort();
      expect(traps).toEqual(['Annotated[', 'lifespan=', 'model_config', 'pydantic_settings', 'pydantic_settings']);
    });

    it('the generated suite has a runtime test for each silent-failure trap', () => {
      const compat = read(multi, 'api/tests/test_compat.py');
      for (const test of [
        'test_dependencies_are_not_misread_as_query_parameters', // Annotated[..., Depends()]
        'test_nothing_depends_on_the_lifespan_having_run', // lifespan=
        'test_startup_check_runs_through_the_asgi_lifespan',
        'test_request_models_forbid_unknown_keys', // model_config
        'test_every_module_imports_without_optional_packages', // pydantic-settings
        'test_app_code_raises_no_deprecation_warnings',
      ]) {
        expect(compat).toContain(`def ${test}(`);
      }
    });
  });

  describe('the generated attack suite on Debian 12 (FastAPI 0.92, pydantic 1.10)', () => {
    let missing: string | undefined;
    beforeAll(async () => {
      missing = await toolMissing();
    });

    for (const mode of ['multi-tenant', 'single-tenant'] as const) {
      it.concurrent(
        `passes with at least ${MIN_PASSED} tests, none skipped (${mode})`,
        async (context) => {
          if (missing) return skipOrFail(context, missing);
          const { expect } = context;
          const project = mode === 'multi-tenant' ? multi : single;
          const summary = await runSuite(path.join(project.dir, 'api'));
          expect(summary.exitCode, summary.output.slice(-4000)).toBe(0);
          expect(summary.failed).toBe(0);
          expect(summary.skipped).toBe(0);
          expect(summary.passed).toBeGreaterThanOrEqual(MIN_PASSED);
          // The suite leaves nothing behind in the generated project (no caches, no bytecode).
          const leftovers = readdirSync(path.join(project.dir, 'api'), { recursive: true }).map(String);
          expect(leftovers.filter((file) => file.includes('__pycache__') || file.includes('.pytest_cache'))).toEqual([]);
        },
        120_000,
      );
    }

  });

  describe('the generated attack suite on Debian 13 (FastAPI 0.115, pydantic 2)', () => {
    for (const mode of ['multi-tenant', 'single-tenant'] as const) {
      it.concurrent(
        `passes unchanged with at least ${MIN_PASSED} tests (${mode})`,
        async (context) => {
          const root = debian13Root();
          if (root === undefined) {
            return skipOrFail(context, 'no Debian 13 tree: run `bash .ci/debian13-root.sh` as root (or set SECURE_STACK_DEBIAN13_ROOT)');
          }
          const { expect } = context;
          const project = mode === 'multi-tenant' ? multi : single;
          const run = await runPytestInDebian13(root, project.dir, 'api');
          expect(run.exitCode, run.stdout.slice(-4000) + run.stderr.slice(-2000)).toBe(0);
          expect(run.failed).toBe(0);
          expect(run.passed).toBeGreaterThanOrEqual(MIN_PASSED);
        },
        180_000,
      );
    }
  });

  describe('static analysis of the generated service', () => {
    let missing: string | undefined;
    beforeAll(async () => {
      missing = await toolMissing();
    });

    it.concurrent(
      'bandit reports nothing on api/app',
      async (context) => {
        if (missing) return skipOrFail(context, missing);
        const { expect } = context;
        for (const project of [multi, single]) {
          const result = await execa('bandit', ['-r', 'app', '-f', 'json', '-q'], {
            cwd: path.join(project.dir, 'api'),
            env: CLEAN_ENV,
            extendEnv: false,
            reject: false,
          });
          const report = JSON.parse(result.stdout) as { results: unknown[]; errors: unknown[]; metrics: { _totals: { nosec: number; loc: number } } };
          expect(report.results).toEqual([]);
          expect(report.errors).toEqual([]);
          expect(report.metrics._totals.nosec).toBe(0);
          expect(report.metrics._totals.loc).toBeGreaterThan(1000);
          expect(result.exitCode).toBe(0);
        }
      },
      60_000,
    );
  });
});
