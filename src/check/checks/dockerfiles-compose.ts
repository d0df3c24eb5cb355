/**
 * Dockerfiles (parsed with `dockerfile-ast`), `.dockerignore` files and Compose files (parsed with `yaml`
 * and located with its LineCounter): CTR-01 … CTR-13. Nothing in a scanned file is ever built or run.
 *
 * Each file is checked on its own: a missing `.dockerignore` (CTR-05) and a Compose healthcheck that covers an
 * image without HEALTHCHECK (CTR-07) are cross-file facts this family does not see.
 */
import { Add, Arg, Cmd, DockerfileParser, Entrypoint, Env, From, Healthcheck, Run, User, type Instruction } from 'dockerfile-ast';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Location } from '../finding.js';
import type { CheckFamily, CheckSpec, Emitter, SourceFile } from '../registry.js';
import { deref, itemsOf, nodeAt, pairOf, parseYamlMapping, text, valueOf, type YamlFile } from '../yaml-nodes.js';

const DOCKERFILE_NAME = /^(?:Dockerfile|Containerfile)(?:\.[^/]+)?$|^[^/]+\.(?:Dockerfile|Containerfile)$/;
const DOCKERIGNORE_NAME = /^(?:[^/]+\.)?\.?dockerignore$/;
const COMPOSE_NAME = /^(?:docker-)?compose(?:\.[^/.]+)?\.ya?ml$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const NUMERIC_NON_ROOT = /^[1-9]\d*(?::[1-9]\d*)?$/;
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|(?:^|_)KEY$/;
const NOT_A_SECRET = /_(?:FILE|PATH|DIR|URL|URI|ID|NAME|TYPE|LENGTH|TTL|EXPIRY|EXPIRES|HEADER|ALGORITHM)$/;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:[^@/\s]+@/i;
const COMPILER = /^(?:gcc|g\+\+|gcc-\d+|g\+\+-\d+|clang|clang-\d+|build-essential|build-base|make|cmake|musl-dev|libc6-dev|libc-dev)$/;
const INSTALL = /\b(?:apt-get|apt|aptitude)\s+(?:-\S+\s+)*install\b|\bapk\s+(?:-\S+\s+)*add\b|\b(?:yum|dnf|microdnf|zypper)\s+(?:-\S+\s+)*install\b/;
const REMOTE = /^(?:https?|ftp):\/\/|^git@|\.git(?:#.*)?$/i;
const ARCHIVE = /\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|zip)$/i;
const DATABASE_IMAGE = /(?:^|\/)(?:postgres|postgis|mysql|mariadb|redis|valkey|mongo|mongodb|memcached|cassandra|couchdb|elasticsearch|opensearch)(?:[:@]|$)/i;
const DATABASE_SERVICE = /^(?:db|database|postgres|postgresql|pg|mysql|mariadb|redis|valkey|cache|mongo|mongodb)$/i;

export function isDockerfilePath(path: string): boolean {
  return DOCKERFILE_NAME.test(basename(path));
}

export function isDockerignorePath(path: string): boolean {
  return DOCKERIGNORE_NAME.test(basename(path));
}

export function isComposePath(path: string): boolean {
  return COMPOSE_NAME.test(basename(path));
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

// ---- Dockerfiles --------------------------------------------------------------------------------

interface Stage {
  from: From;
  /** The stage's name (AS …), lower case, if any. */
  name: string | undefined;
  instructions: Instruction[];
}

interface ParsedDockerfile {
  file: SourceFile;
  stages: Stage[];
}

/** 0-based dockerfile-ast position → 1-based location. */
function pos(file: SourceFile, position: { line: number; character: number }): Location {
  return { file: file.path, line: position.line + 1, column: position.character + 1 };
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction instanceof From) {
      stages.push({ from: instruction, name: instruction.getBuildStage()?.toLowerCase() ?? undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The stage a FROM builds on when it names an earlier stage. */
function parentStage(dockerfile: ParsedDockerfile, index: number): number | undefined {
  const image = dockerfile.stages[index]?.from.getImage()?.toLowerCase();
  if (image === undefined) return undefined;
  for (let i = index - 1; i >= 0; i -= 1) if (dockerfile.stages[i]!.name === image) return i;
  return undefined;
}

function lastOf<T extends Instruction>(dockerfile: ParsedDockerfile, index: number, kind: abstract new (...args: never[]) => T): T | undefined {
  for (let i: number | undefined = index; i !== undefined; i = parentStage(dockerfile, i)) {
    const found = dockerfile.stages[i]!.instructions.filter((instruction): instruction is T => instruction instanceof kind).at(-1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function fromAt(dockerfile: ParsedDockerfile, stage: Stage): Location {
  return pos(dockerfile.file, stage.from.getRange().start);
}

interface DockerfileCheck extends CheckSpec {
  dockerfile?(dockerfile: ParsedDockerfile, report: (location: Location, message: string) => void): void;
  dockerignore?(file: SourceFile, report: (location: Location, message: string) => void): void;
  compose?(compose: Compose, report: (location: Location, message: string) => void): void;
}

const ctr01: DockerfileCheck = {
  controlId: 'CTR-01',
  docs: 'Flags a Dockerfile whose final stage (or the earlier stage it builds on) sets no USER, or whose last USER is not a numeric non-zero UID with an optional numeric non-zero GID (root, 0, a user name, a variable).',
  fix: 'End the final stage with `USER 10001:10001` (a numeric UID:GID that owns nothing it should not write).',
  dockerfile(dockerfile, report) {
    const index = dockerfile.stages.length - 1;
    const final = dockerfile.stages[index]!;
    const user = lastOf(dockerfile, index, User);
    if (user === undefined) {
      report(fromAt(dockerfile, final), 'the final stage sets no USER: the container runs as root (or as whatever the base image chose)');
      return;
    }
    const value = (user.getArgumentsContent() ?? '').trim();
    if (!NUMERIC_NON_ROOT.test(value)) {
      const range = user.getArgumentsRange() ?? user.getRange();
      report(pos(dockerfile.file, range.start), `the final USER is "${value}": not a numeric non-zero UID (and GID), so the runtime cannot verify it is not root`);
    }
  },
};

const ctr02: DockerfileCheck = {
  controlId: 'CTR-02',
  docs: 'Flags every FROM of an external image (not scratch, not an earlier stage) without an @sha256: digest, and any FROM on the latest tag.',
  fix: 'Pin each base image as `name:tag@sha256:<digest>` (e.g. `secure-stack new --pin-digests`, or `docker buildx imagetools inspect name:tag`) and let Dependabot or Renovate bump it.',
  dockerfile(dockerfile, report) {
    const names = new Set<string>();
    for (const stage of dockerfile.stages) {
      const image = stage.from.getImage();
      const range = stage.from.getImageRange();
      if (image !== null && range !== null && image.toLowerCase() !== 'scratch' && !names.has(image.toLowerCase())) {
        const tag = stage.from.getImageTag();
        const location = pos(dockerfile.file, range.start);
        if (!DIGEST.test(image)) {
          const how = tag === null ? 'has no tag (so latest) and no digest' : tag === 'latest' ? 'is on the latest tag with no digest' : `is pinned by the tag "${tag}" only, which can move`;
          report(location, `base image ${image} ${how}`);
        } else if (tag === 'latest') {
          report(location, `base image ${image} names the latest tag: name the real version next to the digest`);
        }
      }
      if (stage.name !== undefined) names.add(stage.name);
    }
  },
};

const ctr03: DockerfileCheck = {
  controlId: 'CTR-03',
  docs: 'Flags a single-stage Dockerfile that runs build steps (RUN), and compilers or build toolchains (gcc, g++, clang, build-essential, build-base, make, cmake, libc headers) installed in the final stage.',
  fix: 'Build in an earlier stage and copy only the result into a slim or distroless runtime stage; install no compilers there.',
  dockerfile(dockerfile, report) {
    const final = dockerfile.stages.at(-1)!;
    if (dockerfile.stages.length === 1 && final.instructions.some((instruction) => instruction instanceof Run)) {
      report(fromAt(dockerfile, final), 'single-stage image: everything used to build it stays in the runtime image');
    }
    for (const run of final.instructions) {
      if (!(run instanceof Run) || !INSTALL.test(run.getArgumentsContent() ?? '')) continue;
      for (const argument of run.getArguments()) {
        const word = argument.getValue().replace(/[=:].*$/, '');
        if (COMPILER.test(word)) report(pos(dockerfile.file, argument.getRange().start), `${word} is installed in the final stage: build tools belong in a build stage`);
      }
    }
  },
};

const ctr04: DockerfileCheck = {
  controlId: 'CTR-04',
  docs: 'Flags ENV with a secret-looking name (…PASSWORD…, …SECRET…, …TOKEN…, …_KEY, credentials; *_FILE and similar are fine), and such an ARG that has a default value or is used by a later instruction.',
  fix: 'Pass build secrets with `RUN --mount=type=secret,id=name` (`docker build --secret id=name,src=…`) and runtime secrets as files; never as ARG or ENV.',
  dockerfile(dockerfile, report) {
    const isSecret = (name: string) => SECRET_NAME.test(name.toUpperCase()) && !NOT_A_SECRET.test(name.toUpperCase());
    const all = dockerfile.stages.flatMap((stage) => [stage.from as Instruction, ...stage.instructions]);
    for (const instruction of all) {
      if (!(instruction instanceof Env) && !(instruction instanceof Arg)) continue;
      for (const property of instruction.getProperties()) {
        const name = property.getName();
        if (!isSecret(name)) continue;
        const location = pos(dockerfile.file, property.getNameRange().start);
        if (instruction instanceof Env) {
          report(location, `ENV ${name} puts a secret in the image config, visible to docker inspect and every process`);
          continue;
        }
        const line = instruction.getRange().start.line;
        const used = all.some((other) => other.getRange().start.line > line && other.getVariables().some((variable) => variable.getName() === name));
        if (property.getValue() !== null || used) {
          report(location, `ARG ${name} ${property.getValue() !== null ? 'has a default value' : 'is used by a later instruction'}: build arguments stay in the image history`);
        }
      }
    }
  },
};

const ctr05: DockerfileCheck = {
  controlId: 'CTR-05',
  docs: 'Flags a .dockerignore that does not exclude .git, .env* (both .env and .env.*) and node_modules, and a ! pattern that puts one of them back. An allow-list (`*` then `!` patterns) counts as excluding them.',
  fix: 'Exclude at least `.git`, `.env`, `.env.*`, `*.pem`, `node_modules` and tests in .dockerignore (or start it with `*` and allow back only what the image needs).',
  dockerignore(file, report) {
    const patterns: Array<{ pattern: string; line: number; negated: boolean }> = [];
    file.text.split(/\r?\n/).forEach((raw, index) => {
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const negated = trimmed.startsWith('!');
      const pattern = (negated ? trimmed.slice(1) : trimmed).trim().replace(/^\/+/, '').replace(/^(?:\*\*\/)+/, '').replace(/\/+$/, '');
      patterns.push({ pattern, line: index + 1, negated });
    });
    const allowList = patterns.some((p) => !p.negated && (p.pattern === '*' || p.pattern === '**'));
    const has = (...names: string[]) => allowList || patterns.some((p) => !p.negated && names.includes(p.pattern));
    const missing: string[] = [];
    if (!has('.git')) missing.push('.git');
    if (!has('.env*') && !(has('.env') && has('.env.*', '.env*'))) missing.push('.env*');
    if (!has('node_modules')) missing.push('node_modules');
    if (missing.length > 0) report({ file: file.path, line: 1, column: 1 }, `.dockerignore does not exclude ${missing.join(', ')}: they are sent to the build and can end up in the image`);
    for (const p of patterns) {
      if (p.negated && /^(?:\.git|\.env.*|node_modules)$/.test(p.pattern)) report({ file: file.path, line: p.line, column: 1 }, `!${p.pattern} puts ${p.pattern} back into the build context`);
    }
  },
};

const ctr06: DockerfileCheck = {
  controlId: 'CTR-06',
  docs: 'Flags ADD (a remote URL fetched unverified, an archive extracted implicitly, or plain files where COPY fits) unless it verifies a --checksum, and shell-form CMD and ENTRYPOINT.',
  fix: 'Use COPY for local files, fetch remote files in a RUN that verifies a checksum (or `ADD --checksum=sha256:…`), and write CMD/ENTRYPOINT in JSON form: `CMD ["node", "server.js"]`.',
  dockerfile(dockerfile, report) {
    for (const stage of dockerfile.stages) {
      for (const instruction of stage.instructions) {
        if (instruction instanceof Add) {
          if (instruction.getFlags().some((flag) => flag.getName() === 'checksum')) continue;
          const sources = instruction.getArguments().filter((argument) => !argument.getValue().startsWith('--')).slice(0, -1).map((argument) => argument.getValue());
          const why = sources.some((source) => REMOTE.test(source))
            ? 'fetches a remote source without verifying it'
            : sources.some((source) => ARCHIVE.test(source))
              ? 'extracts an archive implicitly'
              : 'copies local files, which COPY does without ADD’s extra behaviour';
          report(pos(dockerfile.file, instruction.getRange().start), `ADD ${why}`);
        } else if ((instruction instanceof Cmd || instruction instanceof Entrypoint) && instruction.getOpeningBracket() === null) {
          const range = instruction.getArgumentsRange();
          if (range === null) continue;
          report(pos(dockerfile.file, range.start), `${instruction.getKeyword()} in shell form runs under /bin/sh -c: the process is not PID 1 and gets no signals`);
        }
      }
    }
  },
};

const ctr07: DockerfileCheck = {
  controlId: 'CTR-07',
  docs: 'Flags a Dockerfile whose final stage (or the stage it builds on) has no HEALTHCHECK or ends with HEALTHCHECK NONE, and a Compose service whose healthcheck is disabled (disable: true or test: NONE). A Compose healthcheck for a built image is not seen from the Dockerfile.',
  fix: 'Add `HEALTHCHECK CMD ["…", "probe"]` to the final stage, or a `healthcheck:` to the Compose service that runs the image.',
  dockerfile(dockerfile, report) {
    const index = dockerfile.stages.length - 1;
    const healthcheck = lastOf(dockerfile, index, Healthcheck);
    if (healthcheck === undefined) {
      report(fromAt(dockerfile, dockerfile.stages[index]!), 'the final stage has no HEALTHCHECK');
    } else if ((healthcheck.getArguments()[0]?.getValue() ?? '').toUpperCase() === 'NONE') {
      report(pos(dockerfile.file, healthcheck.getRange().start), 'HEALTHCHECK NONE disables the health check');
    }
  },
  compose(compose, report) {
    for (const service of compose.services) {
      const healthcheck = valueOf(compose, service.node, 'healthcheck');
      const disable = valueOf(compose, healthcheck, 'disable');
      const test = valueOf(compose, healthcheck, 'test');
      const first = isSeq(test) ? deref(compose, test.items[0]) : test;
      if (isTrue(disable)) report(nodeAt(compose, disable), `service ${service.name} disables its healthcheck`);
      else if (text(first)?.toUpperCase() === 'NONE') report(nodeAt(compose, first), `service ${service.name} disables its healthcheck`);
    }
  },
};

// ---- Compose ------------------------------------------------------------------------------------

interface Compose extends YamlFile {
  services: Service[];
}

interface Service {
  name: string;
  key: unknown;
  node: unknown;
  /** Neither image: nor build: (an override or extends fragment): absent keys come from another file. */
  fragment: boolean;
}





function isTrue(node: unknown): boolean {
  return isScalar(node) && (node.value === true || text(node)?.toLowerCase() === 'true');
}



/** Reports `key` missing at the service name, or present with a wrong value at that value. */
function absentOrWrong(compose: Compose, report: (location: Location, message: string) => void, key: string, ok: (value: unknown) => boolean, what: string): void {
  for (const service of compose.services) {
    const pair = pairOf(compose, service.node, key);
    if (pair === undefined) {
      if (!service.fragment) report(nodeAt(compose, service.key), `service ${service.name} has no ${key}: ${what}`);
    } else if (!ok(deref(compose, pair.value))) {
      report(nodeAt(compose, pair.value ?? pair.key), `service ${service.name} sets ${key} without ${what}`);
    }
  }
}

const ctr08: DockerfileCheck = {
  controlId: 'CTR-08',
  docs: 'Flags a Compose service without read_only: true (services with neither image: nor build:, i.e. override fragments, are only checked for read_only: false).',
  fix: 'Set `read_only: true` and mount writable paths as `tmpfs: [/tmp]` or volumes.',
  compose(compose, report) {
    absentOrWrong(compose, report, 'read_only', isTrue, 'read_only: true (a writable root filesystem)');
  },
};

const ctr09: DockerfileCheck = {
  controlId: 'CTR-09',
  docs: 'Flags a Compose service without cap_drop: [ALL], and every cap_add.',
  fix: 'Set `cap_drop: [ALL]`, add no capability back, and listen on ports of 1024 or above.',
  compose(compose, report) {
    absentOrWrong(compose, report, 'cap_drop', (value) => itemsOf(compose, value).some((item) => text(item)?.toUpperCase() === 'ALL'), 'dropping ALL capabilities');
    for (const service of compose.services) {
      const add = pairOf(compose, service.node, 'cap_add');
      if (add !== undefined && !(isSeq(deref(compose, add.value)) && itemsOf(compose, add.value).length === 0)) {
        report(nodeAt(compose, add.key), `service ${service.name} adds capabilities back (cap_add)`);
      }
    }
  },
};

const NO_NEW_PRIVILEGES = /^no-new-privileges(?:[:=]true)?$/i;

const ctr10: DockerfileCheck = {
  controlId: 'CTR-10',
  docs: 'Flags a Compose service whose security_opt does not contain no-new-privileges:true.',
  fix: 'Set `security_opt: ["no-new-privileges:true"]`.',
  compose(compose, report) {
    absentOrWrong(compose, report, 'security_opt', (value) => itemsOf(compose, value).some((item) => NO_NEW_PRIVILEGES.test(text(item)?.trim() ?? '')), 'no-new-privileges:true');
  },
};

const ctr11: DockerfileCheck = {
  controlId: 'CTR-11',
  docs: 'Flags privileged: true, a docker.sock volume (short or long syntax), and network_mode, pid, ipc or userns_mode set to host.',
  fix: 'Remove privileged, the Docker socket mount and host namespaces; grant the one device or capability a service needs, or run that job outside Compose.',
  compose(compose, report) {
    for (const service of compose.services) {
      const privileged = valueOf(compose, service.node, 'privileged');
      if (isTrue(privileged)) report(nodeAt(compose, privileged), `service ${service.name} runs privileged: it has full access to the host`);
      for (const key of ['network_mode', 'pid', 'ipc', 'userns_mode']) {
        const value = valueOf(compose, service.node, key);
        if (text(value)?.trim().toLowerCase() === 'host') report(nodeAt(compose, value), `service ${service.name} shares the host's ${key.replace('_mode', '')} namespace`);
      }
      for (const volume of itemsOf(compose, valueOf(compose, service.node, 'volumes'))) {
        const source = isMap(volume) ? valueOf(compose, volume, 'source') : volume;
        if (/docker\.sock/.test(text(source) ?? '')) report(nodeAt(compose, source), `service ${service.name} mounts the Docker socket: root on the host`);
      }
    }
  },
};

const ctr12: DockerfileCheck = {
  controlId: 'CTR-12',
  docs: 'Flags environment: entries (map or KEY=value list) with a secret-looking name and a value, literal or interpolated (*_FILE and similar names are fine), and any value that is a URL with a password in it.',
  fix: 'Declare the secret under top-level `secrets:` (file:), grant it to the service, and point the app at it with a `*_FILE=/run/secrets/<name>` variable.',
  compose(compose, report) {
    const isSecret = (name: string) => SECRET_NAME.test(name.toUpperCase()) && !NOT_A_SECRET.test(name.toUpperCase());
    for (const service of compose.services) {
      const environment = valueOf(compose, service.node, 'environment');
      const entries: Array<{ name: string; value: string | undefined; node: unknown }> = [];
      if (isMap(environment)) {
        for (const pair of environment.items) entries.push({ name: String(isScalar(pair.key) ? pair.key.value : ''), value: text(deref(compose, pair.value)), node: pair.key });
      } else {
        for (const item of itemsOf(compose, environment)) {
          const entry = text(item);
          if (entry === undefined) continue;
          const equals = entry.indexOf('=');
          entries.push({ name: equals < 0 ? entry : entry.slice(0, equals), value: equals < 0 ? undefined : entry.slice(equals + 1), node: item });
        }
      }
      for (const { name, value, node } of entries) {
        if (value === undefined || value === '') continue;
        if (isSecret(name.trim())) {
          report(nodeAt(compose, node), `service ${service.name} sets ${name.trim()} in its environment (${value.includes('${') ? 'interpolated' : 'a literal value'}): visible to docker inspect, logs and child processes`);
        } else if (URL_WITH_PASSWORD.test(value.trim())) {
          report(nodeAt(compose, node), `service ${service.name} puts a password in the URL of ${name.trim()}`);
        }
      }
    }
  },
};

const ctr13: DockerfileCheck = {
  controlId: 'CTR-13',
  docs: 'Flags ports: on a database-like service (postgres, mysql, mariadb, redis, valkey, mongo… image, or a fragment named db/postgres/redis…), even on 127.0.0.1.',
  fix: 'Remove ports: from the database; reach it from the services on an internal backend network (`internal: true`), and use `docker compose exec` for local access.',
  compose(compose, report) {
    for (const service of compose.services) {
      const ports = pairOf(compose, service.node, 'ports');
      if (ports === undefined || itemsOf(compose, ports.value).length === 0) continue;
      const image = text(valueOf(compose, service.node, 'image'));
      const database = image !== undefined ? DATABASE_IMAGE.test(image.trim()) : service.fragment && DATABASE_SERVICE.test(service.name);
      if (database) report(nodeAt(compose, ports.key), `database service ${service.name} publishes ports on the host`);
    }
  },
};

const CHECKS: readonly DockerfileCheck[] = [ctr01, ctr02, ctr03, ctr04, ctr05, ctr06, ctr07, ctr08, ctr09, ctr10, ctr11, ctr12, ctr13];

function scanDockerfile(file: SourceFile, emit: Emitter): void {
  const parsed = DockerfileParser.parse(file.text);
  const stages = stagesOf(parsed.getInstructions());
  if (stages.length === 0) {
    emit.note({ file: file.path, line: 1, column: 1, message: 'not checked: no FROM instruction (not a Dockerfile?)' });
    return;
  }
  const dockerfile: ParsedDockerfile = { file, stages };
  for (const check of CHECKS) check.dockerfile?.(dockerfile, (location, message) => emit.finding(check.controlId, location, message));
}

function scanCompose(file: SourceFile, emit: Emitter): void {
  const parsed = parseYamlMapping(file, emit, 'a Compose file');
  if (parsed === undefined) return;
  const compose: Compose = { ...parsed, services: [] };
  const services = valueOf(compose, compose.root, 'services');
  if (isMap(services)) {
    for (const pair of services.items) {
      const node = deref(compose, pair.value);
      const fragment = ['image', 'build'].every((key) => pairOf(compose, node, key) === undefined) || pairOf(compose, node, 'extends') !== undefined;
      compose.services.push({ name: String(isScalar(pair.key) ? pair.key.value : '?'), key: pair.key, node, fragment });
    }
  }
  for (const check of CHECKS) check.compose?.(compose, (location, message) => emit.finding(check.controlId, location, message));
}

function scan(file: SourceFile, emit: Emitter): void {
  const name = basename(file.path);
  if (isComposePath(file.path)) scanCompose(file, emit);
  else if (DOCKERIGNORE_NAME.test(name)) for (const check of CHECKS) check.dockerignore?.(file, (location, message) => emit.finding(check.controlId, location, message));
  else scanDockerfile(file, emit);
}

export const dockerfilesComposeFamily: CheckFamily = {
  id: 'dockerfiles-compose',
  title: 'Dockerfiles and Compose files',
  checks: CHECKS,
  selects: (path) => isDockerfilePath(path) || isDockerignorePath(path) || isComposePath(path),
  scan,
};
