/**
 * The containers layer, rendered in process: Dockerfiles read back with dockerfile-ast, compose files with the
 * yaml parser, both checked control by control (checks.ts) and each check shown to fail when its control is
 * removed; yamllint on the YAML, shellcheck on make-secrets.sh, which is also run for real; hostile answers
 * cannot change what compose reads; layer subsets get only the files and services they need.
 */
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { finaliseAnswers } from '../../../src/answers/resolve.js';
import { defaultAnswers, type Answers } from '../../../src/answers/schema.js';
import { renderProject, type RenderedProject } from '../../../src/pipeline/generate.js';
import { makeTempDir, removeDir } from '../../support/cli.js';
import { canSkip } from '../../support/tools.js';
import { composeProblems, dockerfileProblems, dockerignoreProblems, parseCompose, runMounts } from './checks.js';
import { DockerfileParser } from 'dockerfile-ast';

const GENERATED_ON = '2026-11-27';

async function render(overrides: Partial<Answers> = {}, digests?: Record<string, string>): Promise<RenderedProject> {
  const answers = finaliseAnswers({ ...defaultAnswers('demo-app'), ...overrides });
  return renderProject({ answers, presets: [], generatedOn: GENERATED_ON, ...(digests ? { baseImageDigests: digests } : {}) });
}

function file(project: RenderedProject, filePath: string): string {
  const found = project.files.find((candidate) => candidate.path === filePath);
  if (!found) throw new Error(`${filePath} was not generated`);
  return found.content.toString('utf8');
}

function has(project: RenderedProject, filePath: string): boolean {
  return project.files.some((candidate) => candidate.path === filePath);
}

const which = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

let full: RenderedProject;
beforeAll(async () => {
  full = await render();
});

describe('Dockerfiles (dockerfile-ast)', () => {
  it.each(['api/Dockerfile', 'web/Dockerfile'])('%s holds every image control', (dockerfilePath) => {
    expect(dockerfileProblems(file(full, dockerfilePath))).toEqual([]);
  });

  it('each build has one optional secret mount whose credentials never reach ARG or ENV', () => {
    const mounts = (text: string) => DockerfileParser.parse(text).getInstructions().flatMap(runMounts).filter((mount) => mount.type === 'secret');
    expect(mounts(file(full, 'api/Dockerfile'))).toEqual([{ type: 'secret', id: 'pip_conf', target: '/etc/pip.conf', required: 'false' }]);
    expect(mounts(file(full, 'web/Dockerfile'))).toEqual([{ type: 'secret', id: 'npmrc', target: '/root/.npmrc', required: 'false' }]);
  });

  it('the final stages copy only build output, run as 10001 and start in exec form', () => {
    const api = file(full, 'api/Dockerfile');
    expect(api).toMatch(/COPY --from=build \/opt\/venv \/opt\/venv/);
    expect(api).toMatch(/^USER 10001:10001$/m);
    expect(api).toMatch(/^CMD \["\/opt\/venv\/bin\/python", "-m", "uvicorn", "app\.main:app", "--host", "0\.0\.0\.0", "--port", "8000"/m);
    const web = file(full, 'web/Dockerfile');
    expect(web).toMatch(/COPY --from=build \/app\/\.next\/standalone \.\//);
    expect(web).toMatch(/^CMD \["node", "server\.js"\]$/m);
    expect(web).toMatch(/npm ci/);
  });

  it('unpinned base images say that --pin-digests pins them', () => {
    for (const dockerfilePath of ['api/Dockerfile', 'web/Dockerfile']) {
      const text = file(full, dockerfilePath);
      expect(text).toMatch(/Pinned by tag only: generate with `secure-stack new --pin-digests`/);
      expect(dockerfileProblems(text, { requireDigest: true })).not.toEqual([]);
    }
    expect(file(full, 'CONTAINERS.md')).toMatch(/pinned by tag only/);
  });

  it('with digests, every FROM and every pulled image is pinned to name:tag@sha256', async () => {
    const digest = (char: string) => `sha256:${char.repeat(64)}`;
    const pinned = await render({}, { 'python:3.13-slim-trixie': digest('a'), 'node:24-trixie-slim': digest('b'), 'postgres:17-trixie': digest('c') });
    const api = file(pinned, 'api/Dockerfile');
    expect(api).toContain(`FROM python:3.13-slim-trixie@${digest('a')} AS build`);
    expect(api).not.toMatch(/Pinned by tag only/);
    expect(dockerfileProblems(api, { requireDigest: true })).toEqual([]);
    expect(dockerfileProblems(file(pinned, 'web/Dockerfile'), { requireDigest: true })).toEqual([]);
    const compose = parseCompose(file(pinned, 'compose.yaml'));
    expect(compose.services.db.image).toBe(`postgres:17-trixie@${digest('c')}`);
    expect(composeProblems(compose, { requireDigest: true })).toEqual([]);
    // The manifest records the digests too, so a re-render writes the same pinned files (test/manifest/base-image-digests.test.ts).
    expect(pinned.manifest.baseImageDigests).toEqual({ 'node:24-trixie-slim': digest('b'), 'postgres:17-trixie': digest('c'), 'python:3.13-slim-trixie': digest('a') });
    await expect(render({}, { 'python:3.13-slim-trixie': 'sha256:nothex' })).rejects.toThrow(/sha256/);
  });

  const mutations: Array<[string, string, (text: string) => string, RegExp]> = [
    ['api', 'root user', (t) => t.replace('USER 10001:10001', 'USER root'), /CTR-01/],
    ['api', 'uid 0', (t) => t.replace('USER 10001:10001', 'USER 0:0'), /CTR-01/],
    ['web', 'no USER', (t) => t.replace(/^USER .*$/m, ''), /CTR-01/],
    ['api', 'latest tag', (t) => t.replaceAll('python:3.13-slim-trixie', 'python:latest'), /CTR-02/],
    ['web', 'untagged', (t) => t.replaceAll('node:24-trixie-slim', 'node'), /CTR-02/],
    ['api', 'single stage', (t) => t.replace(/^FROM .* AS build$[\s\S]*?(?=^FROM )/m, ''), /CTR-03/],
    ['api', 'fat final image', (t) => t.replace(/(FROM \S+) AS runtime/, 'FROM python:3.13-trixie AS runtime'), /CTR-03/],
    ['web', 'compiler in final', (t) => t.replace('WORKDIR /app\n# The standalone', 'WORKDIR /app\nRUN apt-get install -y gcc\n# The standalone'), /CTR-03/],
    ['api', 'token ARG', (t) => t.replace('FROM python', 'ARG PIP_TOKEN\nFROM python'), /CTR-04/],
    ['web', 'token ENV', (t) => t.replace('ENV NEXT_TELEMETRY_DISABLED=1\nCOPY', 'ENV NPM_TOKEN=abc NEXT_TELEMETRY_DISABLED=1\nCOPY'), /CTR-04/],
    ['api', 'no secret mount', (t) => t.replace(/--mount=type=secret\S*/, ''), /CTR-04/],
    ['web', 'ADD', (t) => t.replace('COPY . .', 'ADD . .'), /CTR-06/],
    ['api', 'shell-form CMD', (t) => t.replace(/^CMD .*$/m, 'CMD uvicorn app.main:app'), /CTR-06/],
    ['api', 'pip cache', (t) => t.replace('--no-cache-dir ', ''), /CTR-06/],
    ['web', 'npm install', (t) => t.replace('npm ci', 'npm install'), /CTR-06/],
    ['api', 'no HEALTHCHECK', (t) => t.replace(/^HEALTHCHECK[\s\S]*?\n(?=CMD)/m, ''), /CTR-07/],
    ['web', 'HEALTHCHECK NONE', (t) => t.replace(/^HEALTHCHECK[\s\S]*?\n(?=CMD)/m, 'HEALTHCHECK NONE\n'), /CTR-07/],
    ['api', 'no syntax directive', (t) => t.replace('# syntax=docker/dockerfile:1\n', ''), /syntax/],
  ];
  it.each(mutations)('%s/Dockerfile without its control (%s) fails the check', (layer, _name, mutate, expected) => {
    const original = file(full, `${layer}/Dockerfile`);
    const mutated = mutate(original);
    expect(mutated).not.toBe(original);
    expect(dockerfileProblems(mutated).join('\n')).toMatch(expected);
  });

  it.each(['api', 'web'])('%s/.dockerignore keeps history, secrets, dependencies and tests out of the context', (layer) => {
    const text = file(full, `${layer}/.dockerignore`);
    expect(dockerignoreProblems(text)).toEqual([]);
    for (const pattern of ['.git', '.env.*', '*.pem', 'node_modules', 'tests']) {
      const without = text.split('\n').filter((line) => line.trim() !== pattern).join('\n');
      expect(dockerignoreProblems(without).join('\n')).toMatch(/CTR-05/);
    }
  });
});

describe('compose.yaml', () => {
  it('holds every runtime control for db, migrate, api and web', () => {
    const compose = parseCompose(file(full, 'compose.yaml'));
    expect(Object.keys(compose.services)).toEqual(['db', 'migrate', 'api', 'web']);
    expect(composeProblems(compose)).toEqual([]);
  });

  it('wires the db layer: config files, init scripts, TLS key pair, migrator role; api reads its URL from a file', () => {
    const compose = parseCompose(file(full, 'compose.yaml'));
    const { db, migrate, api, web } = compose.services;
    expect(db.secrets).toEqual(expect.arrayContaining(['db_server_crt', 'db_server_key', 'db_app_password', 'db_migrator_password']));
    expect(db.environment.POSTGRES_DB).toBe('demo_app');
    expect(db.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(migrate.environment.DATABASE_URL).toBe('postgresql://demo_app_migrator@db:5432/demo_app?sslmode=verify-full&sslrootcert=/run/secrets/db_ca_crt');
    expect(api.environment.DATABASE_URL_FILE).toBe('/run/secrets/database_url');
    expect(api.environment.ALLOWED_HOSTS.split(',')).toEqual(expect.arrayContaining(['api', '127.0.0.1']));
    expect(web.environment.API_BASE_URL).toBe('http://api:8000');
    expect(web.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(compose.networks.backend.internal).toBe(true);
    expect(Object.keys(compose.secrets).sort()).toEqual(
      ['database_url', 'db_app_password', 'db_ca_crt', 'db_migrator_password', 'db_server_crt', 'db_server_key', 'next_server_actions_encryption_key', 'oidc_client_secret', 'postgres_password', 'session_secret'],
    );
  });

  type Doc = Record<string, any>;
  const composeMutations: Array<[string, (doc: Doc) => void, RegExp]> = [
    ['api runs as root', (d) => (d.services.api.user = '0:0'), /CTR-01/],
    ['db without user', (d) => delete d.services.db.user, /CTR-01/],
    ['writable root on web', (d) => delete d.services.web.read_only, /CTR-08/],
    ['no tmpfs on api', (d) => delete d.services.api.tmpfs, /CTR-08/],
    ['capabilities kept on db', (d) => delete d.services.db.cap_drop, /CTR-09/],
    ['NET_ADMIN added to api', (d) => (d.services.api.cap_add = ['NET_ADMIN']), /CTR-09/],
    ['no no-new-privileges on migrate', (d) => (d.services.migrate.security_opt = []), /CTR-10/],
    ['privileged web', (d) => (d.services.web.privileged = true), /CTR-11/],
    ['docker socket in api', (d) => d.services.api.volumes = ['/var/run/docker.sock:/var/run/docker.sock'], /CTR-11/],
    ['host network for db', (d) => (d.services.db.network_mode = 'host'), /CTR-11/],
    ['host pid for api', (d) => (d.services.api.pid = 'host'), /CTR-11/],
    ['password in environment', (d) => (d.services.db.environment.POSTGRES_PASSWORD = 'hunter2'), /CTR-12/],
    ['secret value instead of file', (d) => (d.services.web.environment.SESSION_SECRET = 'abc'), /CTR-12/],
    ['URL with password in environment', (d) => (d.services.api.environment.OTHER_URL = 'postgresql://u:pw@db/x'), /CTR-12/],
    ['_FILE pointing at an ungranted secret', (d) => (d.services.api.secrets = ['db_ca_crt']), /CTR-12/],
    ['secret not a file under ./secrets', (d) => (d.secrets.database_url = { environment: 'DATABASE_URL' }), /CTR-12/],
    ['db published', (d) => (d.services.db.ports = ['127.0.0.1:5432:5432']), /CTR-13/],
    ['web published on all interfaces', (d) => (d.services.web.ports = ['3000:3000']), /CTR-13/],
    ['backend not internal', (d) => delete d.networks.backend.internal, /CTR-13/],
    ['db on frontend too', (d) => d.services.db.networks.push('frontend'), /CTR-13/],
    ['no memory limit on api', (d) => delete d.services.api.deploy.resources.limits.memory, /CTR-14/],
    ['no pids limit on web', (d) => delete d.services.web.pids_limit, /CTR-14/],
    ['no healthcheck on db', (d) => delete d.services.db.healthcheck, /CTR-07/],
    ['migrate as app role', (d) => (d.services.migrate.environment.DATABASE_URL = 'postgresql://demo_app_app@db:5432/demo_app?sslmode=verify-full'), /migrator role/],
    ['migrate without TLS verification', (d) => (d.services.migrate.environment.DATABASE_URL = 'postgresql://demo_app_migrator@db:5432/demo_app?sslmode=require'), /verify/],
    ['api before migrations', (d) => delete d.services.api.depends_on, /before migrations/],
    ['db without pg_hba.conf', (d) => (d.services.db.volumes = d.services.db.volumes.filter((v: string) => !v.includes('pg_hba'))), /pg_hba/],
    ['db without TLS key', (d) => (d.services.db.command = d.services.db.command.filter((a: string) => !a.startsWith('ssl_key_file'))), /ssl_key_file/],
  ];
  it.each(composeMutations)('fails when %s', (_name, mutate, expected) => {
    const doc = parseCompose(file(full, 'compose.yaml'));
    mutate(doc);
    expect(composeProblems(doc).join('\n')).toMatch(expected);
  });

  it('compose.dev.yaml publishes the API on loopback only', () => {
    const dev = parseCompose(file(full, 'compose.dev.yaml'));
    expect(dev.services.api.ports).toEqual(['127.0.0.1:8000:8000']);
    expect(Object.keys(dev.services)).toEqual(['api']);
  });

  it('hostile answers reach compose as the same literal values (no YAML break-out, no interpolation)', async () => {
    // The answer validation refuses quotes, braces, fragments and line breaks in the issuer; `$` gets through.
    const project = await render({ oidcIssuer: 'https://idp.example.com/$HOME/a$$b/', oidcAudience: "aud$(id)'x\"#y:z" });
    const answers = project.manifest.answers;
    const api = parseCompose(file(project, 'compose.yaml')).services.api;
    // Compose turns $$ into $; after that the value is exactly the answer.
    const interpolate = (value: string) => value.replace(/\$\$/g, '$');
    expect(value$(api.environment.OIDC_ISSUER)).toBe(false);
    expect(interpolate(api.environment.OIDC_ISSUER)).toBe(answers.oidcIssuer);
    expect(interpolate(api.environment.OIDC_AUDIENCE)).toBe(answers.oidcAudience);
    expect(Object.keys(api.environment)).not.toContain('injected');
  });
});

/** true when a compose value still holds an unescaped `$` that compose would interpolate. */
function value$(value: string): boolean {
  return /(^|[^$])\$(?!\$)/.test(value.replace(/\$\$/g, ''));
}

describe('layer subsets', () => {
  it('without web: no web image, no dev override, the API is the loopback-published edge', async () => {
    const project = await render({ layers: ['api', 'db', 'containers', 'ci', 'docs'] });
    expect(has(project, 'web/Dockerfile')).toBe(false);
    expect(has(project, 'compose.dev.yaml')).toBe(false);
    const compose = parseCompose(file(project, 'compose.yaml'));
    expect(Object.keys(compose.services)).toEqual(['db', 'migrate', 'api']);
    expect(compose.services.api.ports).toEqual(['127.0.0.1:8000:8000']);
    expect(composeProblems(compose)).toEqual([]);
    expect(Object.keys(compose.secrets)).not.toContain('session_secret');
    expect(file(project, 'scripts/make-secrets.sh')).not.toContain('session_secret');
  });

  it('without db: no db, no migrate, no backend network, and the database URL is left for the user', async () => {
    const project = await render({ layers: ['api', 'web', 'containers'] });
    const compose = parseCompose(file(project, 'compose.yaml'));
    expect(Object.keys(compose.services)).toEqual(['api', 'web']);
    expect(compose.networks.backend).toBeUndefined();
    expect(composeProblems(compose)).toEqual([]);
    expect(file(project, 'scripts/make-secrets.sh')).toContain('write your database');
  });

  it('without api and web: no image is built, only the database and its job', async () => {
    const project = await render({ layers: ['db', 'containers'] });
    expect(project.files.filter((f) => f.layer === 'containers').map((f) => f.path).sort()).toEqual(['CONTAINERS.md', 'compose.yaml', 'scripts/make-secrets.sh']);
    expect(composeProblems(parseCompose(file(project, 'compose.yaml')))).toEqual([]);
  });
});

describe('linters and make-secrets.sh', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('secure-stack-containers-');
    for (const f of full.files) {
      const target = path.join(dir, f.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: f.executable ? 0o755 : 0o644 });
    }
    return () => removeDir(dir);
  });

  it.skipIf(canSkip(!which('yamllint')))('yamllint finds nothing in compose.yaml and compose.dev.yaml', async () => {
    const config = '{extends: default, rules: {line-length: {max: 200}, document-start: disable, truthy: {check-keys: false}}}';
    const result = await execa('yamllint', ['-f', 'parsable', '-d', config, 'compose.yaml', 'compose.dev.yaml'], { cwd: dir, reject: false });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it.skipIf(canSkip(!which('shellcheck')))('shellcheck finds nothing in make-secrets.sh', async () => {
    const result = await execa('shellcheck', ['-x', 'scripts/make-secrets.sh'], { cwd: dir, reject: false });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it.skipIf(canSkip(!which('openssl') || !which('bash')))('make-secrets.sh creates every compose secret once, never overwrites, and builds a verifiable TLS pair', async () => {
    const run = () => execa('bash', ['scripts/make-secrets.sh'], { cwd: dir, env: { OIDC_CLIENT_SECRET: 'from-the-idp' }, reject: false });
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const secretsDir = path.join(dir, 'secrets');
    expect(statSync(secretsDir).mode & 0o777).toBe(0o700);
    const compose = parseCompose(file(full, 'compose.yaml'));
    for (const name of Object.keys(compose.secrets)) {
      const secret = path.join(secretsDir, name);
      expect(existsSync(secret), name).toBe(true);
      expect(readFileSync(secret, 'utf8').length, name).toBeGreaterThan(0);
      expect(statSync(secret).mode & 0o077 & ~0o044, name).toBe(0); // no group/world write
    }
    const appPassword = readFileSync(path.join(secretsDir, 'db_app_password'), 'utf8');
    expect(appPassword).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path.join(secretsDir, 'database_url'), 'utf8')).toBe(
      `postgresql://demo_app_app:${appPassword}@db:5432/demo_app?sslmode=verify-full&sslrootcert=/run/secrets/db_ca_crt`,
    );
    expect(readFileSync(path.join(secretsDir, 'oidc_client_secret'), 'utf8')).toBe('from-the-idp');
    expect(Buffer.from(readFileSync(path.join(secretsDir, 'next_server_actions_encryption_key'), 'utf8'), 'base64')).toHaveLength(32);
    expect(existsSync(path.join(secretsDir, 'db_ca.key'))).toBe(false);
    const verify = await execa('openssl', ['verify', '-CAfile', 'secrets/db_ca_crt', '-verify_hostname', 'db', '-purpose', 'sslserver', 'secrets/db_server_crt'], { cwd: dir, reject: false });
    expect(verify.stdout).toContain('OK');
    const publicKey = (args: string[]) => execa('openssl', args, { cwd: dir }).then((result) => String(result.stdout));
    expect(await publicKey(['pkey', '-in', 'secrets/db_server_key', '-pubout'])).toBe(await publicKey(['x509', '-in', 'secrets/db_server_crt', '-noout', '-pubkey']));

    const before = Object.fromEntries(Object.keys(compose.secrets).map((name) => [name, readFileSync(path.join(secretsDir, name), 'utf8')]));
    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('0 new secret file(s)');
    for (const [name, value] of Object.entries(before)) expect(readFileSync(path.join(secretsDir, name), 'utf8'), name).toBe(value);
  });
});
