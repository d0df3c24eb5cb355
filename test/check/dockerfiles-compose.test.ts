/** Dockerfile, .dockerignore and Compose checks (CTR-01 … CTR-13): inline fixtures, the generated stack, mutations of it. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepository } from '../../src/check/run.js';
import { CHECK_FAMILIES } from '../../src/check/registry.js';
import { dockerfilesComposeFamily } from '../../src/check/checks/dockerfiles-compose.js';
import { getControl } from '../../src/controls/catalog.js';
import { BASE_IMAGES } from '../../src/layers/containers/images.js';
import { writeProject } from '../../src/pipeline/generate.js';
import { DiskAdapter } from '../../src/tree/disk.js';
import { Tree } from '../../src/tree/tree.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { TEST_GENERATED_ON, generateProject, testAnswers } from '../support/project.js';
import { findingsFor, writeRepo } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

function ctr(files: Record<string, string>, controlId: string) {
  const dir = writeRepo(files);
  dirs.push(dir);
  return findingsFor(dir, controlId).map((f) => [f.file, f.line, f.column]);
}

/** Multi-stage, digest-pinned, distroless, numeric user, exec form, build secret by mount: passes every check. */
const GOOD_DOCKERFILE = `# syntax=docker/dockerfile:1
FROM golang:1.23@${A} AS build
WORKDIR /src
COPY . .
RUN --mount=type=secret,id=netrc,target=/root/.netrc go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12:nonroot@${B}
COPY --from=build /out/app /app
USER 65532:65532
HEALTHCHECK CMD ["/app", "health"]
ENTRYPOINT ["/app"]
`;

/** Other valid spellings than our templates: flow lists, KEY=value environment, no-new-privileges without :true. */
const GOOD_COMPOSE = `services:
  app:
    image: ghcr.io/o/app@${A}
    read_only: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges]
    environment:
      - DB_PASSWORD_FILE=/run/secrets/db_password
      - LOG_LEVEL=info
    secrets: [db_password]
    ports: ["8080:8080"]
    healthcheck:
      test: ["CMD", "/app", "health"]
  cache:
    image: redis:7@${B}
    read_only: true
    cap_drop: [all]
    security_opt: ["no-new-privileges=true"]
    expose: ["6379"]
secrets:
  db_password:
    file: ./secrets/db_password
`;

const GOOD_IGNORE = '# allow-list\n*\n!cmd\n!go.mod\n';

const good = (extra: Record<string, string> = {}) => ({ Dockerfile: GOOD_DOCKERFILE, '.dockerignore': GOOD_IGNORE, 'compose.yaml': GOOD_COMPOSE, ...extra });
const df = (text: string) => ({ Dockerfile: text });
const compose = (text: string) => ({ 'compose.yaml': text });

describe('registry', () => {
  it('registers one family with one documented check per control CTR-01 … CTR-13', () => {
    expect(CHECK_FAMILIES).toContain(dockerfilesComposeFamily);
    const ids = dockerfilesComposeFamily.checks.map((c) => c.controlId);
    expect(ids).toEqual(Array.from({ length: 13 }, (_, i) => `CTR-${String(i + 1).padStart(2, '0')}`));
    for (const c of dockerfilesComposeFamily.checks) {
      expect(getControl(c.controlId)).toBeDefined();
      expect(c.docs.length).toBeGreaterThan(20);
      expect(c.fix.length).toBeGreaterThan(10);
    }
  });
  it('selects Dockerfiles, .dockerignore and compose files only', () => {
    const yes = ['Dockerfile', 'api/Dockerfile', 'Dockerfile.prod', 'api.Dockerfile', 'Containerfile', '.dockerignore', 'x/Dockerfile.dockerignore', 'compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml', 'compose.dev.yaml', 'docker-compose.override.yml'];
    const no = ['Dockerfile/x', 'dockerfile.md', 'compose.json', 'my-compose.yaml', '.github/workflows/compose.txt', 'a.yaml'];
    expect(yes.filter((p) => !dockerfilesComposeFamily.selects(p))).toEqual([]);
    expect(no.filter((p) => dockerfilesComposeFamily.selects(p))).toEqual([]);
  });
});

describe('baseline', () => {
  it('the good Dockerfile, allow-list .dockerignore and compose file have no finding and no note', () => {
    const dir = writeRepo(good());
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings).toEqual([]);
    expect(result.notes).toEqual([]);
  });
});

describe('CTR-01 non-root user', () => {
  it('flags a missing USER at the final FROM, root, 0, a name and a variable at the argument', () => {
    expect(ctr(df(GOOD_DOCKERFILE.replace('USER 65532:65532\n', '')), 'CTR-01')).toEqual([['Dockerfile', 7, 1]]);
    for (const user of ['root', '0', '0:0', 'node', '10001:0', '${UID}']) {
      expect(ctr(df(GOOD_DOCKERFILE.replace('USER 65532:65532', `USER ${user}`)), 'CTR-01')).toEqual([['Dockerfile', 9, 6]]);
    }
    // a later USER root wins over an earlier numeric one
    expect(ctr(df(GOOD_DOCKERFILE.replace('USER 65532:65532', 'USER 65532:65532\nUSER root')), 'CTR-01')).toEqual([['Dockerfile', 10, 6]]);
  });
  it('accepts a numeric UID alone, and a USER inherited from the earlier stage the final stage builds on', () => {
    expect(ctr(df(GOOD_DOCKERFILE.replace('USER 65532:65532', 'USER 10001')), 'CTR-01')).toEqual([]);
    const inherited = `FROM alpine:3.20@${A} AS base\nUSER 10001:10001\nFROM base AS final\nCMD ["true"]\n`;
    expect(ctr(df(inherited), 'CTR-01')).toEqual([]);
  });
});

describe('CTR-02 base image digests', () => {
  it('flags tag-only, latest and untagged external images at the image name', () => {
    const text = `FROM node:22 AS a\nFROM ubuntu\nFROM python:latest@${A}\nFROM --platform=linux/amd64 nginx:latest\n`;
    expect(ctr(df(text), 'CTR-02')).toEqual([['Dockerfile', 1, 6], ['Dockerfile', 2, 6], ['Dockerfile', 3, 6], ['Dockerfile', 4, 29]]);
  });
  it('accepts digests with or without a tag, earlier stage names in any case, and scratch', () => {
    const text = `FROM node:22@${A} AS Deps\nFROM ghcr.io/o/img@${B} AS other\nFROM deps AS build\nFROM scratch\nCOPY --from=build /x /x\n`;
    expect(ctr(df(text), 'CTR-02')).toEqual([]);
  });
});

describe('CTR-03 multi-stage, no compilers', () => {
  it('flags a single stage that builds, and compilers installed in the final stage at the package', () => {
    expect(ctr(df(`FROM python:3.13@${A}\nRUN pip install --no-cache-dir app==1.0\nUSER 1\n`), 'CTR-03')).toEqual([['Dockerfile', 1, 1]]);
    const text = GOOD_DOCKERFILE.replace('USER 65532', 'RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 build-essential\nUSER 65532');
    expect(ctr(df(text), 'CTR-03')).toEqual([['Dockerfile', 9, 66], ['Dockerfile', 9, 81]]);
  });
  it('accepts compilers in a build stage, and a single stage that only copies a prebuilt artifact', () => {
    const text = GOOD_DOCKERFILE.replace('WORKDIR /src', 'RUN apk add --no-cache build-base gcc\nWORKDIR /src');
    expect(ctr(df(text), 'CTR-03')).toEqual([]);
    expect(ctr(df(`FROM gcr.io/distroless/static@${A}\nCOPY app /app\nUSER 65532\n`), 'CTR-03')).toEqual([]);
  });
});

describe('CTR-04 secrets in ARG/ENV', () => {
  it('flags secret ENVs, secret ARGs with a default or used later, at the name', () => {
    const text = `FROM node:22@${A} AS build\nARG NPM_TOKEN\nARG GITHUB_TOKEN=abc\nENV DB_PASSWORD=x API_KEY=y\nRUN echo "//r/:_authToken=$NPM_TOKEN" > .npmrc\n`;
    expect(ctr(df(text), 'CTR-04')).toEqual([['Dockerfile', 2, 5], ['Dockerfile', 3, 5], ['Dockerfile', 4, 5], ['Dockerfile', 4, 19]]);
  });
  it('accepts *_FILE names, unused secret-named ARGs without default, and secrets by RUN --mount', () => {
    const text = `FROM node:22@${A}\nARG SENTRY_AUTH_TOKEN\nENV SESSION_SECRET_FILE=/run/secrets/s TOKEN_URL=https://x/token NODE_ENV=production\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n`;
    expect(ctr(df(text), 'CTR-04')).toEqual([]);
  });
});

describe('CTR-05 .dockerignore', () => {
  it('flags a .dockerignore missing .git, .env* or node_modules (at line 1), and a ! that puts one back', () => {
    expect(ctr({ '.dockerignore': '.git\n.env\nnode_modules\n' }, 'CTR-05')).toEqual([['.dockerignore', 1, 1]]);
    expect(ctr({ 'app/.dockerignore': 'dist\n' }, 'CTR-05')).toEqual([['app/.dockerignore', 1, 1]]);
    expect(ctr({ '.dockerignore': '*\n!src\n!.env.production\n' }, 'CTR-05')).toEqual([['.dockerignore', 3, 1]]);
  });
  it('accepts .env* or .env + .env.*, leading / or **/, trailing /, and an allow-list', () => {
    expect(ctr({ '.dockerignore': '/.git/\n**/.env*\nnode_modules/\n' }, 'CTR-05')).toEqual([]);
    expect(ctr({ '.dockerignore': '# comment\n.git\n.env\n.env.*\n**/node_modules\n' }, 'CTR-05')).toEqual([]);
    expect(ctr({ '.dockerignore': GOOD_IGNORE }, 'CTR-05')).toEqual([]);
  });
});

describe('CTR-06 ADD and exec form', () => {
  it('flags ADD of a URL, an archive or plain files, and shell-form CMD and ENTRYPOINT at the command', () => {
    const text = GOOD_DOCKERFILE.replace('ENTRYPOINT ["/app"]', 'ADD https://example.com/x.tgz /x\nADD vendor.tar.gz /v\nADD conf /conf\nCMD /app serve\nENTRYPOINT /app');
    expect(ctr(df(text), 'CTR-06')).toEqual([['Dockerfile', 11, 1], ['Dockerfile', 12, 1], ['Dockerfile', 13, 1], ['Dockerfile', 14, 5], ['Dockerfile', 15, 12]]);
  });
  it('accepts ADD --checksum, COPY and JSON-form commands', () => {
    const text = GOOD_DOCKERFILE.replace('ENTRYPOINT', `ADD --checksum=sha256:${'c'.repeat(64)} https://example.com/x.tgz /x\nCMD ["serve"]\nENTRYPOINT`);
    expect(ctr(df(text), 'CTR-06')).toEqual([]);
  });
});

describe('CTR-07 health checks', () => {
  it('flags a final stage without HEALTHCHECK or with HEALTHCHECK NONE, and a disabled compose healthcheck', () => {
    expect(ctr(df(GOOD_DOCKERFILE.replace(/HEALTHCHECK.*\n/, '')), 'CTR-07')).toEqual([['Dockerfile', 7, 1]]);
    expect(ctr(df(GOOD_DOCKERFILE.replace(/HEALTHCHECK.*\n/, 'HEALTHCHECK NONE\n')), 'CTR-07')).toEqual([['Dockerfile', 10, 1]]);
    expect(ctr(compose(GOOD_COMPOSE.replace('test: ["CMD", "/app", "health"]', 'disable: true')), 'CTR-07')).toEqual([['compose.yaml', 13, 16]]);
    expect(ctr(compose(GOOD_COMPOSE.replace('["CMD", "/app", "health"]', '["NONE"]')), 'CTR-07')).toEqual([['compose.yaml', 13, 14]]);
  });
  it('accepts a HEALTHCHECK in the stage the final stage builds on, and compose services without a healthcheck key', () => {
    const text = `FROM alpine:3.20@${A} AS base\nHEALTHCHECK CMD ["true"]\nFROM base\nUSER 1\n`;
    expect(ctr(df(text), 'CTR-07')).toEqual([]);
    expect(ctr(compose(GOOD_COMPOSE), 'CTR-07')).toEqual([]);
  });
});

describe('CTR-08 … CTR-10 read-only, capabilities, no-new-privileges', () => {
  it('flags missing keys at the service name and wrong values at the value', () => {
    expect(ctr(compose(GOOD_COMPOSE.replace('    read_only: true\n    cap_drop: [ALL]', '    cap_drop: [ALL]')), 'CTR-08')).toEqual([['compose.yaml', 2, 3]]);
    expect(ctr(compose(GOOD_COMPOSE.replace('read_only: true\n    cap_drop: [all]', 'read_only: false\n    cap_drop: [all]')), 'CTR-08')).toEqual([['compose.yaml', 16, 16]]);
    expect(ctr(compose(GOOD_COMPOSE.replace('cap_drop: [ALL]', 'cap_drop: [NET_RAW]\n    cap_add: [NET_ADMIN]')), 'CTR-09')).toEqual([['compose.yaml', 5, 15], ['compose.yaml', 6, 5]]);
    expect(ctr(compose(GOOD_COMPOSE.replace('    cap_drop: [all]\n', '')), 'CTR-09')).toEqual([['compose.yaml', 14, 3]]);
    expect(ctr(compose(GOOD_COMPOSE.replace('security_opt: [no-new-privileges]', 'security_opt: ["no-new-privileges:false"]')), 'CTR-10')).toEqual([['compose.yaml', 6, 19]]);
    expect(ctr(compose(GOOD_COMPOSE.replace('    security_opt: ["no-new-privileges=true"]\n', '')), 'CTR-10')).toEqual([['compose.yaml', 14, 3]]);
  });
  it('does not require the keys on an override fragment (neither image: nor build:), but checks what it sets', () => {
    const override = 'services:\n  app:\n    ports: ["127.0.0.1:9000:9000"]\n  other:\n    read_only: false\n';
    expect(ctr({ 'compose.dev.yaml': override }, 'CTR-08')).toEqual([['compose.dev.yaml', 5, 16]]);
    expect(ctr({ 'compose.dev.yaml': override }, 'CTR-09')).toEqual([]);
    expect(ctr({ 'compose.dev.yaml': override }, 'CTR-10')).toEqual([]);
  });
});

describe('CTR-11 host access', () => {
  it('flags privileged, docker.sock in short and long syntax, and host namespaces at the value', () => {
    const text = GOOD_COMPOSE.replace(
      '    read_only: true\n    cap_drop: [ALL]',
      '    privileged: true\n    network_mode: host\n    pid: "host"\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - type: bind\n        source: /run/docker.sock\n        target: /s\n    read_only: true\n    cap_drop: [ALL]',
    );
    expect(ctr(compose(text), 'CTR-11')).toEqual([['compose.yaml', 4, 17], ['compose.yaml', 5, 19], ['compose.yaml', 6, 10], ['compose.yaml', 8, 9], ['compose.yaml', 10, 17]]);
  });
  it('accepts privileged: false, named volumes and bridge networking', () => {
    const text = GOOD_COMPOSE.replace('    read_only: true\n    cap_drop: [ALL]', '    privileged: false\n    network_mode: bridge\n    volumes: [data:/data, ./conf:/conf:ro]\n    read_only: true\n    cap_drop: [ALL]');
    expect(ctr(compose(text), 'CTR-11')).toEqual([]);
  });
});

describe('CTR-12 secrets in compose environment', () => {
  it('flags secret names with literal or interpolated values (map and list) and URLs with a password', () => {
    const text = GOOD_COMPOSE.replace('      - LOG_LEVEL=info\n', '      - LOG_LEVEL=info\n      - API_TOKEN=abc\n      - JWT_SECRET=${JWT_SECRET}\n      - DATABASE_URL=postgres://app:hunter2@db/app\n');
    expect(ctr(compose(text), 'CTR-12')).toEqual([['compose.yaml', 10, 9], ['compose.yaml', 11, 9], ['compose.yaml', 12, 9]]);
    const map = 'services:\n  db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: example\n';
    expect(ctr(compose(map), 'CTR-12')).toEqual([['compose.yaml', 5, 7]]);
  });
  it('accepts *_FILE variables, empty values and URLs without a password', () => {
    const map = 'services:\n  db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/pg\n      API_TOKEN: ""\n      DATABASE_URL: postgres://app@db/app\n';
    expect(ctr(compose(map), 'CTR-12')).toEqual([]);
    expect(ctr(compose(GOOD_COMPOSE), 'CTR-12')).toEqual([]);
  });
});

describe('CTR-13 published database', () => {
  it('flags ports on a database image, even on loopback, and on a db-named override fragment', () => {
    expect(ctr(compose(GOOD_COMPOSE.replace('expose: ["6379"]', 'ports: ["127.0.0.1:6379:6379"]')), 'CTR-13')).toEqual([['compose.yaml', 19, 5]]);
    expect(ctr({ 'compose.dev.yaml': 'services:\n  db:\n    ports:\n      - "5432:5432"\n' }, 'CTR-13')).toEqual([['compose.dev.yaml', 3, 5]]);
  });
  it('accepts expose on a database and ports on an application service', () => {
    expect(ctr(compose(GOOD_COMPOSE), 'CTR-13')).toEqual([]);
  });
});

describe('robustness', () => {
  it('malformed compose YAML, a non-mapping compose file and a Dockerfile without FROM become notes', () => {
    const dir = writeRepo({ 'compose.yaml': 'services: [a\n', 'docker-compose.yml': '- a\n', Dockerfile: 'this is not\n\\\n' });
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings).toEqual([]);
    expect(result.notes.map((n) => n.file).sort()).toEqual(['Dockerfile', 'compose.yaml', 'docker-compose.yml']);
  });
  it('odd but parseable input does not crash: empty services, aliases, heredocs, bare FROM', () => {
    const dir = writeRepo({
      'compose.yaml': 'x-common: &c\n  read_only: true\nservices:\n  a: *c\n  b:\n  c: 3\n',
      Dockerfile: `FROM\nRUN <<EOF\necho hi\nEOF\nUSER\nENV\nARG\nCMD\nADD\n`,
    });
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.notes.filter((n) => n.message.includes('internal error'))).toEqual([]);
  });
});

// ---- The generated stack ------------------------------------------------------------------------

let pinned: string;
let tagOnly: string;

beforeAll(async () => {
  const digests = Object.fromEntries(Object.values(BASE_IMAGES).map((image, i) => [image.reference, `sha256:${String(i + 1).repeat(64)}`]));
  pinned = makeTempDir('secure-stack-pinned-');
  dirs.push(pinned);
  const tree = new Tree(new DiskAdapter(pinned));
  await writeProject(tree, { answers: testAnswers({ cloud: 'aws' }), presets: [], generatedOn: TEST_GENERATED_ON, baseImageDigests: digests });
  tree.commit();
  tagOnly = (await generateProject({ cloud: 'aws' })).dir;
  dirs.push(tagOnly);
});

const ctrFindings = (dir: string) => checkRepository(dir).findings.filter((f) => f.controlId.startsWith('CTR-'));

function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`not in the file: ${needle}`);
  return text.slice(0, index).split('\n').length;
}

/** Copies the digest-pinned generated project, edits one file, returns its CTR findings and the edited text. */
function mutate(file: string, edit: (text: string) => string) {
  const dir = makeTempDir('secure-stack-mutant-');
  dirs.push(dir);
  cpSync(pinned, dir, { recursive: true });
  const original = readFileSync(path.join(dir, file), 'utf8');
  const text = edit(original);
  expect(text).not.toBe(original);
  writeFileSync(path.join(dir, file), text);
  return { text, found: ctrFindings(dir).map((f) => [f.controlId, f.file, f.line]) };
}

describe('generated full stack', () => {
  it('with digests pinned (new --pin-digests): Dockerfiles, .dockerignore and compose files checked, no CTR finding, no note', () => {
    const result = checkRepository(pinned);
    expect(result.filesChecked).toBeGreaterThanOrEqual(6);
    expect(ctrFindings(pinned)).toEqual([]);
    expect(result.notes).toEqual([]);
  });
  it('on tags only (the default without --pin-digests): CTR-02 at each FROM, nothing else', () => {
    const found = ctrFindings(tagOnly).map((f) => [f.controlId, f.file, f.line]);
    expect(found).toEqual([
      ['CTR-02', 'api/Dockerfile', 11],
      ['CTR-02', 'api/Dockerfile', 24],
      ['CTR-02', 'web/Dockerfile', 12],
      ['CTR-02', 'web/Dockerfile', 19],
      ['CTR-02', 'web/Dockerfile', 27],
    ]);
  });
});

describe('mutations of the generated stack', () => {
  it('CTR-01: USER removed from the api runtime stage', () => {
    const { text, found } = mutate('api/Dockerfile', (t) => t.replace('USER 10001:10001\n', ''));
    expect(found).toEqual([['CTR-01', 'api/Dockerfile', lineOf(text, 'FROM python:3.13-slim-trixie@sha256:1111111111111111111111111111111111111111111111111111111111111111 AS runtime')]]);
  });
  it('CTR-02: the web runtime base image loses its digest', () => {
    const { text, found } = mutate('web/Dockerfile', (t) => t.replace(/(AS build\n[\s\S]*FROM node:24-trixie-slim)@sha256:[0-9a-f]{64}/, '$1'));
    expect(found).toEqual([['CTR-02', 'web/Dockerfile', lineOf(text, 'FROM node:24-trixie-slim AS runtime')]]);
  });
  it('CTR-03: gcc installed in the api runtime stage', () => {
    const { text, found } = mutate('api/Dockerfile', (t) => t.replace('WORKDIR /app\n', 'RUN apt-get update && apt-get install -y --no-install-recommends gcc\nWORKDIR /app\n'));
    expect(found).toEqual([['CTR-03', 'api/Dockerfile', lineOf(text, 'install -y --no-install-recommends gcc')]]);
  });
  it('CTR-04: the npmrc build secret replaced by a build argument', () => {
    const { text, found } = mutate('web/Dockerfile', (t) => t.replace('RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=false \\\n', 'ARG NPM_TOKEN\nRUN echo "//registry.npmjs.org/:_authToken=$NPM_TOKEN" > /root/.npmrc && \\\n'));
    expect(found).toEqual([['CTR-04', 'web/Dockerfile', lineOf(text, 'ARG NPM_TOKEN')]]);
  });
  it('CTR-05: .env.* removed from the web .dockerignore', () => {
    const { found } = mutate('web/.dockerignore', (t) => t.replace('.env.*\n', ''));
    expect(found).toEqual([['CTR-05', 'web/.dockerignore', 1]]);
  });
  it('CTR-06: the api CMD in shell form', () => {
    const { text, found } = mutate('api/Dockerfile', (t) => t.replace(/^CMD \[.*\]$/m, 'CMD /opt/venv/bin/python -m uvicorn app.main:app --host 0.0.0.0'));
    expect(found).toEqual([['CTR-06', 'api/Dockerfile', lineOf(text, 'CMD /opt/venv')]]);
  });
  it('CTR-07: the web HEALTHCHECK removed', () => {
    const { text, found } = mutate('web/Dockerfile', (t) => t.replace(/HEALTHCHECK [^\n]*\\\n[^\n]*\n/, ''));
    expect(found).toEqual([['CTR-07', 'web/Dockerfile', lineOf(text, 'AS runtime')]]);
  });
  it('CTR-08: read_only removed from the api service', () => {
    const { text, found } = mutate('compose.yaml', (t) => t.replace('\n    read_only: true\n    cap_drop:\n      - ALL\n    security_opt:\n      - "no-new-privileges:true"\n    pids_limit: 100\n', '\n    cap_drop:\n      - ALL\n    security_opt:\n      - "no-new-privileges:true"\n    pids_limit: 100\n'));
    expect(found).toEqual([['CTR-08', 'compose.yaml', lineOf(text, '\n  api:') + 1]]);
  });
  it('CTR-09: cap_add on the web service', () => {
    const { text, found } = mutate('compose.yaml', (t) => t.replace(/(\n  web:[\s\S]*?cap_drop:\n      - ALL\n)/, '$1    cap_add:\n      - NET_BIND_SERVICE\n'));
    expect(found).toEqual([['CTR-09', 'compose.yaml', lineOf(text, 'cap_add:')]]);
  });
  it('CTR-10: security_opt removed from the migrate service', () => {
    const { text, found } = mutate('compose.yaml', (t) => t.replace('    security_opt:\n      - "no-new-privileges:true"\n    pids_limit: 50\n', '    pids_limit: 50\n'));
    expect(found).toEqual([['CTR-10', 'compose.yaml', lineOf(text, '\n  migrate:') + 1]]);
  });
  it('CTR-11: the Docker socket mounted into migrate', () => {
    const { text, found } = mutate('compose.yaml', (t) => t.replace('      - ./db:/opt/db:ro\n', '      - ./db:/opt/db:ro\n      - /var/run/docker.sock:/var/run/docker.sock\n'));
    expect(found).toEqual([['CTR-11', 'compose.yaml', lineOf(text, '/var/run/docker.sock:')]]);
  });
  it('CTR-12: the postgres password as a literal instead of a _FILE', () => {
    const { text, found } = mutate('compose.yaml', (t) => t.replace('POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password', 'POSTGRES_PASSWORD: "changeme"'));
    expect(found).toEqual([['CTR-12', 'compose.yaml', lineOf(text, 'POSTGRES_PASSWORD:')]]);
  });
  it('CTR-13: the database published in compose.dev.yaml', () => {
    const { text, found } = mutate('compose.dev.yaml', (t) => `${t}  db:\n    ports:\n      - "127.0.0.1:5432:5432"\n`);
    expect(found).toEqual([['CTR-13', 'compose.dev.yaml', lineOf(text, '  db:') + 1]]);
  });
});
