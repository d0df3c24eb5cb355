/** Dockerfile, .dockerignore and Compose checks (CTR-01 … CTR-13): inline fixtures, the generated stack, mutations of it. */
import { readFileSync, writeFileSync } from 'node:fs';
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
import { findingsFor, lineOf, writeRepo } from './helpers.js';
import { mutator } from './mutation.js';

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
/** A repository that is removed after the tests. */
function writeRepoKept(files: Record<string, string>): string {
  const dir = writeRepo(files);
  dirs.push(dir);
  return dir;
}

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

describe('RUN shell scripts (parsed by src/check/shell.ts, tested in shell.test.ts)', () => {
  it('the Dockerfile checks never throw on arbitrary RUN text, and note a RUN line the shell parser rejects', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = ['a', 'pip', 'install', 'apk', 'add', 'apt-get', ' ', '\n', '\\', '`', '"', "'", '$', '(', ')', '{', '}', '|', '&', ';', '<', '>', '#', '-', '=', 'EOF', '<<', '\t', '\r'];
    const notes: string[] = [];
    const emit = { finding: () => undefined, note: (note: { message: string }) => notes.push(note.message) };
    for (let n = 0; n < 1000; n += 1) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const file = { path: `x${n}/Dockerfile`, text: `${n % 2 === 0 ? '' : '# escape=`\n'}FROM alpine:3\nRUN ${text}\n` };
      dockerfilesComposeFamily.scan(file, emit, { now: new Date() });
      dockerfilesComposeFamily.finish!([file], emit, { paths: new Set([file.path]), now: new Date() });
    }
    expect(notes.filter((message) => message.includes('internal error') || message.includes('parser failed'))).toEqual([]);
    expect(notes.some((message) => message.startsWith('RUN not parsed as shell here'))).toBe(true);
  });
  it('notes the line of a RUN the parser rejects, reads the other lines, and expects no shell syntax under SHELL pwsh', () => {
    const dockerfile = 'FROM alpine:3.20\nRUN apk add curl && \\\n    echo "unterminated && \\\n    apk add git\nRUN <<EOF\napk add jq\nif then\nEOF\nSHELL ["pwsh", "-Command"]\nRUN if ($x) { exit 1 }\n';
    const notes: Array<{ line?: number; column?: number; message: string }> = [];
    const findings: Array<{ controlId: string; line: number }> = [];
    const file = { path: 'Dockerfile', text: dockerfile };
    dockerfilesComposeFamily.scan(file, { finding: (controlId, location) => findings.push({ controlId, line: location.line }), note: (note) => notes.push(note) }, { now: new Date() });
    expect(notes.map((note) => [note.line, note.column, note.message])).toEqual([
      [3, 10, 'RUN not parsed as shell here (reached EOF without closing quote "): the commands of this shell line (and the lines continuing it) are not checked'],
      [7, 1, 'RUN not parsed as shell here ("if" must be followed by a statement list): the commands of this shell line (and the lines continuing it) are not checked'],
    ]);
    // The continued lines 2-4 are one shell line, left out; the other line of the RUN <<EOF body is read: apk add jq (line 6)
    // without --no-cache and without a version.
    expect(findings.filter((finding) => finding.controlId === 'CTR-06').map((finding) => finding.line)).toEqual([6, 6]);
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
  const graded = (files: Record<string, string>) => {
    const dir = writeRepo(files);
    dirs.push(dir);
    return findingsFor(dir, 'CTR-02').map((f) => [f.file, f.line, f.column, f.severity]);
  };
  it('grades external images: no tag or latest is high, a tag without digest low, latest next to a digest low', () => {
    const text = `FROM node:22 AS a\nFROM ubuntu\nFROM python:latest@${A}\nFROM --platform=linux/amd64 nginx:latest\nFROM registry.example.com:5000/team/img:1.2\n`;
    expect(graded(df(text))).toEqual([
      ['Dockerfile', 1, 6, 'low'],
      ['Dockerfile', 2, 6, 'high'],
      ['Dockerfile', 3, 6, 'low'],
      ['Dockerfile', 4, 29, 'high'],
      ['Dockerfile', 5, 6, 'low'],
    ]);
  });
  it('tells how to pin a tag-only image', () => {
    const [finding] = findingsFor(writeRepoKept(df('FROM node:22\n')), 'CTR-02');
    expect(finding?.message).toMatch(/tag "22" only: the tag can move.*secure-stack new --pin-digests/);
  });
  it('resolves FROM ${ARG} from global ARG defaults and leaves a FROM without a known value alone', () => {
    const text = `ARG BASE=python:3.13-slim\nARG PY=3.13\nARG UNKNOWN\nFROM \${BASE} AS a\nFROM python:\${PY}@${A} AS b\nFROM \${UNKNOWN} AS c\nFROM \${MISSING:-debian} AS d\n`;
    expect(graded(df(text))).toEqual([['Dockerfile', 4, 6, 'low'], ['Dockerfile', 7, 6, 'high']]);
  });
  it('accepts digests with or without a tag, earlier stage names in any case, and scratch', () => {
    const text = `FROM node:22@${A} AS Deps\nFROM ghcr.io/o/img@${B} AS other\nFROM deps AS build\nFROM scratch\nCOPY --from=build /x /x\n`;
    expect(ctr(df(text), 'CTR-02')).toEqual([]);
  });
  it('grades compose images of services that do not build them, at the image value', () => {
    const text = `services:\n  db:\n    image: postgres\n  cache:\n    image: "redis:7.4"\n  app:\n    build: .\n    image: app:dev\n  pinned:\n    image: ghcr.io/o/x:1@${A}\n  custom:\n    image: \${REGISTRY}/x:\${TAG}\n  edge:\n    image: traefik:latest\n`;
    expect(graded(compose(text))).toEqual([['compose.yaml', 3, 12, 'high'], ['compose.yaml', 5, 12, 'low'], ['compose.yaml', 14, 12, 'high']]);
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

describe('CTR-05 a .dockerignore in every build context (cross-file)', () => {
  const IGNORE = '.git\n.env*\nnode_modules\n';
  const BUILD = `FROM alpine:3.20@${A}\nUSER 1\n`;
  it('flags a Dockerfile whose directory has no .dockerignore, at line 1', () => {
    expect(ctr({ Dockerfile: BUILD }, 'CTR-05')).toEqual([['Dockerfile', 1, 1]]);
    // A .dockerignore of another directory (here the root) does not cover app/, the context of app/Dockerfile.
    expect(ctr({ '.dockerignore': IGNORE, 'app/Dockerfile': BUILD }, 'CTR-05')).toEqual([['app/Dockerfile', 1, 1]]);
  });
  it('accepts a .dockerignore in the context and a <Dockerfile>.dockerignore beside the Dockerfile', () => {
    expect(ctr({ 'app/Dockerfile': BUILD, 'app/.dockerignore': IGNORE }, 'CTR-05')).toEqual([]);
    expect(ctr({ 'docker/api.Dockerfile': BUILD, 'docker/api.Dockerfile.dockerignore': IGNORE }, 'CTR-05')).toEqual([]);
  });
  it('follows Compose build contexts: the root context of a Dockerfile in a subdirectory needs the root .dockerignore', () => {
    const rooted = 'services:\n  api:\n    build:\n      context: .\n      dockerfile: docker/api/Dockerfile\n';
    expect(ctr({ 'compose.yaml': rooted, '.dockerignore': IGNORE, 'docker/api/Dockerfile': BUILD }, 'CTR-05')).toEqual([]);
    const dir = writeRepoKept({ 'compose.yaml': rooted, 'docker/api/.dockerignore': IGNORE, 'docker/api/Dockerfile': BUILD });
    const [finding, ...rest] = findingsFor(dir, 'CTR-05');
    expect(rest).toEqual([]);
    expect([finding?.file, finding?.line, finding?.column]).toEqual(['docker/api/Dockerfile', 1, 1]);
    expect(finding?.message).toMatch(/the repository root, from compose.yaml service api/);
  });
  it('resolves `build: <dir>` relative to the Compose file, and ignores remote and inline builds', () => {
    const nested = 'services:\n  web:\n    build: ../web\n  remote:\n    build: https://github.com/o/r.git#main\n  inline:\n    build:\n      dockerfile_inline: "FROM scratch"\n';
    expect(ctr({ 'deploy/compose.yaml': nested, 'web/Dockerfile': BUILD, 'web/.dockerignore': IGNORE }, 'CTR-05')).toEqual([]);
    expect(ctr({ 'deploy/compose.yaml': nested, 'web/Dockerfile': BUILD }, 'CTR-05')).toEqual([['web/Dockerfile', 1, 1]]);
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

describe('CTR-06 RUN: pipefail and package pins', () => {
  const graded = (text: string) => {
    const dir = writeRepoKept(df(text));
    return findingsFor(dir, 'CTR-06').map((f) => [f.line, f.column, f.severity]);
  };
  const stage = (run: string, before = '') => `FROM debian:12@${A}\n${before}${run}\n`;
  it('flags a pipe under a shell without pipefail, at the pipe', () => {
    expect(graded(stage('RUN curl -fsSL https://example.com/install.sh | sh'))).toEqual([[2, 47, 'medium']]);
    // The pipe on a continued line, after a comment line Docker drops.
    expect(graded(stage('RUN set -e \\\n    # fetch\n    && wget -qO- https://example.com/x.tgz \\\n    | tar xz'))).toEqual([[5, 5, 'medium']]);
    // SHELL without pipefail, and pipefail set only after the pipe.
    expect(graded(stage('RUN a | b && set -o pipefail', 'SHELL ["/bin/bash", "-c"]\n'))).toEqual([[3, 7, 'medium']]);
    // A RUN <<EOF heredoc is the script: its pipes count.
    expect(graded(stage('RUN <<EOF\nset -e\ncurl -s https://example.com | tar x\nEOF'))).toEqual([[4, 29, 'medium']]);
  });
  it('accepts pipefail from SHELL (also in the stage built on), set -o pipefail first, ||, quoted pipes, data heredocs and non-POSIX shells', () => {
    expect(graded(stage('RUN curl -s https://example.com | tar x', 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'))).toEqual([]);
    expect(graded(`FROM debian:12@${A} AS base\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nFROM base\nRUN a | b\n`)).toEqual([]);
    expect(graded(stage('RUN set -euo pipefail; a | b'))).toEqual([]);
    expect(graded(stage('RUN test -f x || echo "a | b" \'c|d\' a\\|b && grep -E "x|y" f'))).toEqual([]);
    expect(graded(stage('RUN python3 - <<EOF\nprint("a | b")\nEOF'))).toEqual([]);
    expect(graded(stage('RUN Get-ChildItem | Select-Object Name', 'SHELL ["pwsh", "-Command"]\n'))).toEqual([]);
    expect(graded(stage('RUN ["sh", "-c", "a | b"]'))).toEqual([]);
  });
  it('flags unpinned pip requirements (medium, at the first) and a kept pip cache (low, at pip)', () => {
    expect(graded(stage('RUN pip install --no-cache-dir flask "requests>=2" gunicorn==23.0.0'))).toEqual([[2, 32, 'medium']]);
    expect(graded(stage('RUN python3 -m pip install -U pip && pip3 install -r requirements.txt'))).toEqual([[2, 5, 'low'], [2, 31, 'medium'], [2, 38, 'low']]);
    expect(graded(stage('RUN pip install --no-cache-dir git+https://github.com/o/r.git@main'))).toEqual([[2, 32, 'medium']]);
  });
  it('accepts pinned pip installs: name==version, requirement and constraint files, hashes, local paths, archives, commits', () => {
    const pinned = [
      'RUN pip install --no-cache-dir flask==3.1.0 "uvicorn[standard]==0.32.0"',
      'RUN pip install --no-cache-dir --require-hashes -r requirements.lock',
      'RUN pip install --no-cache-dir -c constraints.txt flask',
      'RUN /opt/venv/bin/pip install --no-cache-dir --no-compile .',
      'RUN pip install --no-cache-dir ./dist/app-1.0-py3-none-any.whl -e ./lib',
      `RUN pip install --no-cache-dir "pkg @ git+https://github.com/o/r.git@${'0'.repeat(40)}"`,
      'RUN pip install --no-cache-dir $EXTRA_PACKAGES',
    ];
    for (const run of pinned) expect(graded(stage(run)), run).toEqual([]);
    expect(graded(stage('RUN pip install -r requirements.txt', 'ENV PIP_NO_CACHE_DIR=1\n'))).toEqual([]);
    expect(graded(stage('RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt'))).toEqual([]);
    expect(graded(stage('RUN PIP_NO_CACHE_DIR=true pip install -r requirements.txt'))).toEqual([]);
  });
  it('flags apt and apk packages without a version and apk add without --no-cache, all low', () => {
    expect(graded(stage('RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confnew install -y --no-install-recommends curl ca-certificates=20230311'))).toEqual([[2, 132, 'low']]);
    expect(graded(stage('RUN apk add --virtual .build-deps curl'))).toEqual([[2, 5, 'low'], [2, 35, 'low']]);
    expect(graded(stage('RUN sudo apt install -y git'))).toEqual([[2, 25, 'low']]);
  });
  it('accepts pinned apt and apk packages, local package files and apk cache mounts', () => {
    expect(graded(stage('RUN apt-get install -y --no-install-recommends curl=8.5.0-2 ./vendor/tool.deb'))).toEqual([]);
    expect(graded(stage('RUN apk add --no-cache curl=8.11.1-r0 "git~2.47"'))).toEqual([]);
    expect(graded(stage('RUN --mount=type=cache,target=/var/cache/apk apk add curl=8.11.1-r0'))).toEqual([]);
    expect(graded(stage('RUN echo apt-get install curl && apt-get update'))).toEqual([]);
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

describe('CTR-07 Compose healthchecks cover the images they build (cross-file)', () => {
  const IGNORE = '.git\n.env*\nnode_modules\n';
  const NO_HEALTHCHECK = `FROM alpine:3.20@${A}\nUSER 1\nCMD ["app"]\n`;
  const service = (name: string, healthcheck: string) => `  ${name}:\n    build: ./app\n${healthcheck}`;
  const TEST = '    healthcheck:\n      test: ["CMD", "app", "health"]\n';
  const repo = (services: string) => ({ 'app/Dockerfile': NO_HEALTHCHECK, 'app/.dockerignore': IGNORE, 'compose.yaml': `services:\n${services}` });
  it('accepts a Dockerfile without HEALTHCHECK when every service that builds it declares a test', () => {
    expect(ctr(repo(service('app', TEST)), 'CTR-07')).toEqual([]);
    expect(ctr(repo(service('app', TEST) + service('worker', TEST)), 'CTR-07')).toEqual([]);
    expect(ctr({ ...repo(service('app', TEST)), 'app/Dockerfile': NO_HEALTHCHECK.replace('USER 1', 'HEALTHCHECK NONE\nUSER 1') }, 'CTR-07')).toEqual([]);
  });
  it('flags it at the final FROM when a service that builds it has no test (none, or only timings)', () => {
    const dir = writeRepoKept(repo(service('app', TEST) + service('worker', '    healthcheck:\n      interval: 10s\n')));
    const findings = findingsFor(dir, 'CTR-07');
    expect(findings.map((f) => [f.file, f.line, f.column])).toEqual([['app/Dockerfile', 1, 1]]);
    expect(findings[0]?.message).toMatch(/nor does service worker in compose.yaml/);
    expect(ctr({ 'app/Dockerfile': NO_HEALTHCHECK }, 'CTR-07')).toEqual([['app/Dockerfile', 1, 1]]);
  });
  it('a disabled Compose healthcheck is a finding even when the image has a HEALTHCHECK', () => {
    const withHealthcheck = NO_HEALTHCHECK.replace('USER 1', 'HEALTHCHECK CMD ["app", "health"]\nUSER 1');
    expect(ctr({ ...repo(service('app', '    healthcheck:\n      disable: true\n')), 'app/Dockerfile': withHealthcheck }, 'CTR-07')).toEqual([['compose.yaml', 5, 16]]);
    expect(ctr(repo(service('app', '    healthcheck:\n      disable: true\n')), 'CTR-07')).toEqual([['app/Dockerfile', 1, 1], ['compose.yaml', 5, 16]]);
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

// ---- A repository written the usual way, not generated here ---------------------------------------

/** A typical small Django + Postgres project: root user, ADD, latest, a secret in ENV, privileged, the Docker socket, a published database. */
const TYPICAL_DOCKERFILE = `FROM python:latest

WORKDIR /app

ENV DJANGO_SECRET_KEY=dev-secret-key \\
    PYTHONUNBUFFERED=1

ADD . /app

RUN apt-get update && apt-get install -y gcc libpq-dev
RUN pip install -r requirements.txt
RUN pip install gunicorn

EXPOSE 8000
CMD gunicorn app.wsgi:application --bind 0.0.0.0:8000
`;

const TYPICAL_COMPOSE = `version: "3.8"

services:
  web:
    build: .
    ports:
      - "8000:8000"
    environment:
      - DEBUG=1
      - DATABASE_URL=postgres://postgres:example@db:5432/app
    depends_on:
      - db
    volumes:
      - .:/app
      - /var/run/docker.sock:/var/run/docker.sock
    privileged: true

  db:
    image: postgres
    restart: always
    ports:
      - "5432:5432"
    environment:
      POSTGRES_PASSWORD: example
      POSTGRES_DB: app
    volumes:
      - db-data:/var/lib/postgresql/data

volumes:
  db-data:
`;

const TYPICAL_MIGRATIONS = {
  'migrations/001_init.sql': `-- Initial schema
CREATE TABLE users (
  id SERIAL PRIMARY KEY,
  email TEXT UNIQUE NOT NULL,
  password_hash TEXT NOT NULL
);

CREATE TABLE posts (
  id SERIAL PRIMARY KEY,
  user_id INTEGER REFERENCES users(id),
  body TEXT
);
`,
  'migrations/002_comments.sql': `CREATE TABLE IF NOT EXISTS comments (
  id SERIAL PRIMARY KEY,
  post_id INTEGER REFERENCES posts(id) ON DELETE CASCADE,
  body TEXT
);
CREATE INDEX comments_post_id_idx ON comments (post_id);
`,
};

describe('a typical repository not generated here', () => {
  it('gets exactly the expected container and database findings, at the right lines and severities', () => {
    const dir = writeRepoKept({ Dockerfile: TYPICAL_DOCKERFILE, 'docker-compose.yml': TYPICAL_COMPOSE, 'requirements.txt': 'django\n', ...TYPICAL_MIGRATIONS });
    const result = checkRepository(dir);
    expect(result.notes).toEqual([]);
    const found = result.findings.filter((f) => /^(?:CTR|DB)-/.test(f.controlId)).map((f) => [f.controlId, f.severity, f.file, f.line, f.column]);
    expect(found).toEqual([
      ['CTR-01', 'high', 'Dockerfile', 1, 1],
      ['CTR-03', 'medium', 'Dockerfile', 1, 1],
      ['CTR-05', 'medium', 'Dockerfile', 1, 1],
      ['CTR-07', 'low', 'Dockerfile', 1, 1],
      ['CTR-02', 'high', 'Dockerfile', 1, 6],
      ['CTR-04', 'high', 'Dockerfile', 5, 5],
      ['CTR-06', 'medium', 'Dockerfile', 8, 1],
      ['CTR-03', 'medium', 'Dockerfile', 10, 42],
      ['CTR-06', 'low', 'Dockerfile', 10, 42],
      ['CTR-06', 'low', 'Dockerfile', 11, 5],
      ['CTR-06', 'low', 'Dockerfile', 12, 5],
      ['CTR-06', 'medium', 'Dockerfile', 12, 17],
      ['CTR-06', 'medium', 'Dockerfile', 15, 5],
      ['CTR-08', 'medium', 'docker-compose.yml', 4, 3],
      ['CTR-09', 'high', 'docker-compose.yml', 4, 3],
      ['CTR-10', 'medium', 'docker-compose.yml', 4, 3],
      ['CTR-12', 'high', 'docker-compose.yml', 10, 9],
      ['CTR-11', 'critical', 'docker-compose.yml', 15, 9],
      ['CTR-11', 'critical', 'docker-compose.yml', 16, 17],
      ['CTR-08', 'medium', 'docker-compose.yml', 18, 3],
      ['CTR-09', 'high', 'docker-compose.yml', 18, 3],
      ['CTR-10', 'medium', 'docker-compose.yml', 18, 3],
      ['CTR-02', 'high', 'docker-compose.yml', 19, 12],
      ['CTR-13', 'high', 'docker-compose.yml', 21, 5],
      ['CTR-12', 'high', 'docker-compose.yml', 24, 7],
      ['DB-03', 'critical', 'migrations/001_init.sql', 2, 14],
      ['DB-03', 'critical', 'migrations/001_init.sql', 8, 14],
      ['DB-03', 'critical', 'migrations/002_comments.sql', 1, 28],
    ]);
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
  await tree.commit();
  tagOnly = (await generateProject({ cloud: 'aws' })).dir;
  dirs.push(tagOnly);
});

const ctrFindings = (dir: string) => checkRepository(dir).findings.filter((f) => f.controlId.startsWith('CTR-'));

/** Mutants of the digest-pinned generated project: its CTR findings. */
const { mutateFile } = mutator({ source: () => pinned, dirs, controls: /^CTR-/ });

describe('generated full stack', () => {
  it('with digests pinned (new --pin-digests): Dockerfiles, .dockerignore and compose files checked, no CTR finding, no note', () => {
    const result = checkRepository(pinned);
    expect(result.filesChecked).toBeGreaterThanOrEqual(6);
    expect(ctrFindings(pinned)).toEqual([]);
    expect(result.notes).toEqual([]);
  });
  it('on tags only (the default without --pin-digests): a low CTR-02 at each FROM and each external compose image, nothing else', () => {
    const found = ctrFindings(tagOnly).map((f) => [f.controlId, f.severity, f.file, f.line]);
    expect(found).toEqual([
      ['CTR-02', 'low', 'api/Dockerfile', 11],
      ['CTR-02', 'low', 'api/Dockerfile', 24],
      ['CTR-02', 'low', 'compose.yaml', 12],
      ['CTR-02', 'low', 'compose.yaml', 91],
      ['CTR-02', 'low', 'web/Dockerfile', 12],
      ['CTR-02', 'low', 'web/Dockerfile', 19],
      ['CTR-02', 'low', 'web/Dockerfile', 27],
    ]);
  });
});

describe('mutations of the generated stack', () => {
  it('CTR-01: USER removed from the api runtime stage', () => {
    const { text, found } = mutateFile('api/Dockerfile', (t) => t.replace('USER 10001:10001\n', ''));
    expect(found).toEqual([['CTR-01', 'api/Dockerfile', lineOf(text, 'FROM python:3.13-slim-trixie@sha256:1111111111111111111111111111111111111111111111111111111111111111 AS runtime')]]);
  });
  it('CTR-02: the web runtime base image loses its digest', () => {
    const { text, found } = mutateFile('web/Dockerfile', (t) => t.replace(/(AS build\n[\s\S]*FROM node:24-trixie-slim)@sha256:[0-9a-f]{64}/, '$1'));
    expect(found).toEqual([['CTR-02', 'web/Dockerfile', lineOf(text, 'FROM node:24-trixie-slim AS runtime')]]);
  });
  it('CTR-03: gcc installed in the api runtime stage', () => {
    const { text, found } = mutateFile('api/Dockerfile', (t) => t.replace('WORKDIR /app\n', 'RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:14.2.0-1\nWORKDIR /app\n'));
    expect(found).toEqual([['CTR-03', 'api/Dockerfile', lineOf(text, 'install -y --no-install-recommends gcc')]]);
  });
  it('CTR-04: the npmrc build secret replaced by a build argument', () => {
    const { text, found } = mutateFile('web/Dockerfile', (t) => t.replace('RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=false \\\n', 'ARG NPM_TOKEN\nRUN echo "//registry.npmjs.org/:_authToken=$NPM_TOKEN" > /root/.npmrc && \\\n'));
    expect(found).toEqual([['CTR-04', 'web/Dockerfile', lineOf(text, 'ARG NPM_TOKEN')]]);
  });
  it('CTR-05: .env.* removed from the web .dockerignore', () => {
    const { found } = mutateFile('web/.dockerignore', (t) => t.replace('.env.*\n', ''));
    expect(found).toEqual([['CTR-05', 'web/.dockerignore', 1]]);
  });
  it('CTR-06: the api CMD in shell form', () => {
    const { text, found } = mutateFile('api/Dockerfile', (t) => t.replace(/^CMD \[.*\]$/m, 'CMD /opt/venv/bin/python -m uvicorn app.main:app --host 0.0.0.0'));
    expect(found).toEqual([['CTR-06', 'api/Dockerfile', lineOf(text, 'CMD /opt/venv')]]);
  });
  it('CTR-07: the web HEALTHCHECK removed is still covered by the compose healthcheck; removing that too is a finding', () => {
    const dropHealthcheck = (t: string) => t.replace(/HEALTHCHECK [^\n]*\\\n[^\n]*\n/, '');
    expect(mutateFile('web/Dockerfile', dropHealthcheck).found).toEqual([]);
    const dir = mutateFile('web/Dockerfile', dropHealthcheck).dir;
    const compose = readFileSync(path.join(dir, 'compose.yaml'), 'utf8');
    const edited = compose.replace(/(\n  web:[\s\S]*?)\n    healthcheck:\n(?: {6}.*\n| {8}.*\n)+/, '$1\n');
    expect(edited).not.toBe(compose);
    writeFileSync(path.join(dir, 'compose.yaml'), edited);
    const web = readFileSync(path.join(dir, 'web/Dockerfile'), 'utf8');
    expect(ctrFindings(dir).map((f) => [f.controlId, f.file, f.line])).toEqual([['CTR-07', 'web/Dockerfile', lineOf(web, 'AS runtime')]]);
  });
  it('CTR-07: the api compose healthcheck disabled', () => {
    const { text, found } = mutateFile('compose.yaml', (t) => t.replace(/(\n  api:[\s\S]*?\n    healthcheck:\n)(?: {6}.*\n| {8}.*\n)+/, '$1      disable: true\n'));
    expect(found).toEqual([['CTR-07', 'compose.yaml', lineOf(text, 'disable: true')]]);
  });
  it('CTR-05: api/.dockerignore deleted', () => {
    const { findings } = mutateFile('api/.dockerignore', () => undefined);
    expect(findings.map((f) => [f.controlId, f.file, f.line, f.column])).toEqual([['CTR-05', 'api/Dockerfile', 1, 1]]);
  });
  it('CTR-06: a RUN with a pipe in the web build stage, which has no pipefail SHELL', () => {
    const { text, found } = mutateFile('web/Dockerfile', (t) => t.replace('RUN mkdir -p public && npm run build', 'RUN mkdir -p public && npm run build 2>&1 | tee /tmp/build.log'));
    expect(found).toEqual([['CTR-06', 'web/Dockerfile', lineOf(text, '| tee /tmp/build.log')]]);
  });
  it('CTR-06: a named package instead of the project in the api pip install (unpinned; the cache stays off through PIP_NO_CACHE_DIR)', () => {
    const { text, findings } = mutateFile('api/Dockerfile', (t) => t.replace('pip install --no-cache-dir --no-compile .', 'pip install --no-compile . uvicorn'));
    expect(findings.map((f) => [f.controlId, f.severity, f.file, f.line])).toEqual([['CTR-06', 'medium', 'api/Dockerfile', lineOf(text, 'uvicorn')]]);
  });
  it('CTR-02: the compose db image loses its digest (low), the migrate image goes to latest (high)', () => {
    const { text, findings } = mutateFile('compose.yaml', (t) => t.replace(/image: "postgres:17-trixie@sha256:[0-9a-f]{64}"/, 'image: "postgres:17-trixie"').replace(/image: "postgres:17-trixie@sha256:[0-9a-f]{64}"/, 'image: postgres:latest'));
    expect(findings.map((f) => [f.controlId, f.severity, f.file, f.line])).toEqual([
      ['CTR-02', 'low', 'compose.yaml', lineOf(text, 'image: "postgres:17-trixie"')],
      ['CTR-02', 'high', 'compose.yaml', lineOf(text, 'image: postgres:latest')],
    ]);
  });
  it('CTR-08: read_only removed from the api service', () => {
    const { text, found } = mutateFile('compose.yaml', (t) => t.replace('\n    read_only: true\n    cap_drop:\n      - ALL\n    security_opt:\n      - "no-new-privileges:true"\n    pids_limit: 100\n', '\n    cap_drop:\n      - ALL\n    security_opt:\n      - "no-new-privileges:true"\n    pids_limit: 100\n'));
    expect(found).toEqual([['CTR-08', 'compose.yaml', lineOf(text, '\n  api:') + 1]]);
  });
  it('CTR-09: cap_add on the web service', () => {
    const { text, found } = mutateFile('compose.yaml', (t) => t.replace(/(\n  web:[\s\S]*?cap_drop:\n      - ALL\n)/, '$1    cap_add:\n      - NET_BIND_SERVICE\n'));
    expect(found).toEqual([['CTR-09', 'compose.yaml', lineOf(text, 'cap_add:')]]);
  });
  it('CTR-10: security_opt removed from the migrate service', () => {
    const { text, found } = mutateFile('compose.yaml', (t) => t.replace('    security_opt:\n      - "no-new-privileges:true"\n    pids_limit: 50\n', '    pids_limit: 50\n'));
    expect(found).toEqual([['CTR-10', 'compose.yaml', lineOf(text, '\n  migrate:') + 1]]);
  });
  it('CTR-11: the Docker socket mounted into migrate', () => {
    const { text, found } = mutateFile('compose.yaml', (t) => t.replace('      - ./db:/opt/db:ro\n', '      - ./db:/opt/db:ro\n      - /var/run/docker.sock:/var/run/docker.sock\n'));
    expect(found).toEqual([['CTR-11', 'compose.yaml', lineOf(text, '/var/run/docker.sock:')]]);
  });
  it('CTR-12: the postgres password as a literal instead of a _FILE', () => {
    const { text, found } = mutateFile('compose.yaml', (t) => t.replace('POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password', 'POSTGRES_PASSWORD: "changeme"'));
    expect(found).toEqual([['CTR-12', 'compose.yaml', lineOf(text, 'POSTGRES_PASSWORD:')]]);
  });
  it('CTR-13: the database published in compose.dev.yaml', () => {
    const { text, found } = mutateFile('compose.dev.yaml', (t) => `${t}  db:\n    ports:\n      - "127.0.0.1:5432:5432"\n`);
    expect(found).toEqual([['CTR-13', 'compose.dev.yaml', lineOf(text, '  db:') + 1]]);
  });
});
