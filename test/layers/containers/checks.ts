/**
 * Structural checks of the containers layer's output, one problem string per broken control (CTR-xx first), so
 * that each test can show both that the generated files pass and that removing one control makes them fail.
 */
import { DockerfileParser, type Instruction, type Run } from 'dockerfile-ast';
import { parse as parseYaml } from 'yaml';

export const SECRET_NAME_RE = /(TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIAL|API_?KEY|PRIVATE_?KEY|AUTH)/i;
const NUMERIC_NON_ROOT_RE = /^[1-9]\d*(:[1-9]\d*)?$/;
const COMPILERS_RE = /\b(gcc|g\+\+|cc|clang|make|build-essential|python3?-dev|libpq-dev)\b/;

interface Stage {
  from: Instruction;
  instructions: Instruction[];
}

function stages(text: string) {
  const dockerfile = DockerfileParser.parse(text);
  const list: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') list.push({ from: instruction, instructions: [] });
    else list.at(-1)?.instructions.push(instruction);
  }
  return { dockerfile, list };
}

export function runMounts(instruction: Instruction): Array<Record<string, string>> {
  if (instruction.getKeyword() !== 'RUN') return [];
  return (instruction as Run)
    .getFlags()
    .filter((flag) => flag.getName() === 'mount')
    .map((flag) => Object.fromEntries(flag.getOptions().map((option) => [option.getName(), option.getValue() ?? ''])));
}

/** Every control a generated Dockerfile must hold; [] when all hold. */
export function dockerfileProblems(text: string, options: { requireDigest?: boolean } = {}): string[] {
  const problems: string[] = [];
  const { dockerfile, list } = stages(text);
  const syntax = dockerfile.getDirectives().find((directive) => directive.getName() === 'syntax');
  if (syntax?.getValue() !== 'docker/dockerfile:1') problems.push('syntax directive docker/dockerfile:1 missing');
  if (list.length < 2) problems.push('CTR-03 not multi-stage');
  const stageNames = new Set<string>();
  for (const stage of list) {
    const from = dockerfile.getFROMs().find((candidate) => candidate.getRange().start.line === stage.from.getRange().start.line)!;
    const name = from.getImageName() ?? '';
    if (!stageNames.has(name)) {
      const tag = from.getImageTag();
      if (!tag || tag === 'latest') problems.push(`CTR-02 ${name} has no fixed tag`);
      const digest = from.getImageDigest();
      if (digest && !/^sha256:[0-9a-f]{64}$/.test(digest)) problems.push(`CTR-02 ${name} has a malformed digest`);
      if (!digest && (options.requireDigest || !/--pin-digests/.test(text))) problems.push(`CTR-02 ${name} is not pinned by digest and says nothing about it`);
    }
    const stageName = from.getBuildStage();
    if (stageName) stageNames.add(stageName);
  }
  const all = list.flatMap((stage) => stage.instructions);
  const everything = dockerfile.getInstructions();
  if (all.some((instruction) => instruction.getKeyword() === 'ADD')) problems.push('CTR-06 ADD used instead of COPY');
  for (const instruction of everything) {
    const keyword = instruction.getKeyword();
    if (keyword === 'ARG' || keyword === 'ENV') {
      const names = (instruction.getArgumentsContent() ?? '').split(/\s+/).map((part) => part.split('=')[0] ?? '');
      for (const name of names) if (SECRET_NAME_RE.test(name) && !name.endsWith('_FILE')) problems.push(`CTR-04 ${keyword} ${name} looks like a secret`);
    }
    if (keyword === 'RUN') {
      const command = instruction.getArgumentsContent() ?? '';
      if (/\bpip3? install\b/.test(command) && !/--no-cache-dir/.test(command)) problems.push('CTR-06 pip install without --no-cache-dir');
      if (/\bnpm (install|i)\b/.test(command)) problems.push('CTR-06 npm install instead of npm ci');
      if (/\b(curl|wget)\b[^|]*\|\s*(ba)?sh/.test(command)) problems.push('CTR-06 piping a download into a shell');
    }
  }
  const secretMounts = all.flatMap(runMounts).filter((mount) => mount.type === 'secret');
  if (secretMounts.length === 0) problems.push('CTR-04 no RUN --mount=type=secret for build credentials');
  for (const mount of secretMounts) {
    if (!mount.id) problems.push('CTR-04 secret mount without id');
    if (mount.required === 'true') problems.push('CTR-04 secret mount is not optional');
  }
  const final = list.at(-1);
  if (final) {
    const from = dockerfile.getFROMs().at(-1)!;
    if (!/slim|distroless/.test(from.getImageTag() ?? '')) problems.push('CTR-03 final stage is not slim or distroless');
    for (const instruction of final.instructions) {
      if (instruction.getKeyword() === 'RUN' && COMPILERS_RE.test(instruction.getArgumentsContent() ?? '')) problems.push('CTR-03 compiler in the final stage');
    }
    const users = final.instructions.filter((instruction) => instruction.getKeyword() === 'USER');
    const user = users.at(-1)?.getArgumentsContent()?.trim();
    if (user === undefined || !NUMERIC_NON_ROOT_RE.test(user)) problems.push(`CTR-01 final USER is ${user ?? 'missing'}, not numeric non-root`);
    const cmd = final.instructions.filter((instruction) => instruction.getKeyword() === 'CMD').at(-1);
    if (!cmd) problems.push('CTR-06 no CMD');
    else if (!(cmd.getArgumentsContent() ?? '').trim().startsWith('[')) problems.push('CTR-06 CMD is not exec form');
    for (const entrypoint of final.instructions.filter((instruction) => instruction.getKeyword() === 'ENTRYPOINT')) {
      if (!(entrypoint.getArgumentsContent() ?? '').trim().startsWith('[')) problems.push('CTR-06 ENTRYPOINT is not exec form');
    }
    const health = final.instructions.filter((instruction) => instruction.getKeyword() === 'HEALTHCHECK').at(-1);
    const healthText = health?.getArgumentsContent() ?? '';
    if (!health || /^\s*NONE\b/i.test(healthText) || !/\bCMD\s*\[/.test(healthText)) problems.push('CTR-07 no exec-form HEALTHCHECK in the final stage');
  }
  return problems;
}

export const DOCKERIGNORE_REQUIRED = ['.git', '.env', '.env.*', '*.pem', '*.key', 'node_modules', 'tests', 'secrets'];

export function dockerignoreProblems(text: string): string[] {
  const lines = new Set(text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')));
  return DOCKERIGNORE_REQUIRED.filter((pattern) => !lines.has(pattern)).map((pattern) => `CTR-05 .dockerignore lacks ${pattern}`);
}

type Doc = Record<string, any>;

export function parseCompose(text: string): Doc {
  return parseYaml(text) as Doc;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** Every control compose.yaml must hold; [] when all hold. */
export function composeProblems(doc: Doc, options: { requireDigest?: boolean } = {}): string[] {
  const problems: string[] = [];
  const services: Record<string, Doc> = doc.services ?? {};
  const topSecrets: Record<string, Doc> = doc.secrets ?? {};
  const networks: Record<string, Doc | null> = doc.networks ?? {};
  for (const [name, service] of Object.entries(services)) {
    if (service.read_only !== true) problems.push(`CTR-08 ${name} root filesystem is not read-only`);
    if (!list(service.tmpfs).includes('/tmp')) problems.push(`CTR-08 ${name} has no tmpfs for /tmp`);
    if (!list(service.cap_drop).includes('ALL')) problems.push(`CTR-09 ${name} does not drop all capabilities`);
    if (service.cap_add !== undefined) problems.push(`CTR-09 ${name} adds capabilities`);
    if (!list(service.security_opt).includes('no-new-privileges:true')) problems.push(`CTR-10 ${name} lacks no-new-privileges`);
    if (service.privileged !== undefined && service.privileged !== false) problems.push(`CTR-11 ${name} is privileged`);
    for (const key of ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts']) {
      if (service[key] === 'host') problems.push(`CTR-11 ${name} shares the host's ${key}`);
    }
    for (const volume of list(service.volumes)) if (volume.includes('docker.sock')) problems.push(`CTR-11 ${name} mounts the Docker socket`);
    if (service.devices !== undefined) problems.push(`CTR-11 ${name} maps host devices`);
    const user = String(service.user ?? '');
    if (!NUMERIC_NON_ROOT_RE.test(user)) problems.push(`CTR-01 ${name} user ${user || 'unset'} is not numeric non-root`);
    const limits = service.deploy?.resources?.limits ?? {};
    if (!limits.cpus || !limits.memory) problems.push(`CTR-14 ${name} has no CPU and memory limits`);
    if (!(Number(service.pids_limit) > 0)) problems.push(`CTR-14 ${name} has no pids_limit`);
    const oneShot = service.restart === 'no';
    const test = service.healthcheck?.test;
    if (!oneShot && (!Array.isArray(test) || test[0] !== 'CMD' || service.healthcheck?.disable === true)) problems.push(`CTR-07 ${name} has no healthcheck`);
    // CTR-12: secrets only as files.
    const granted = list(service.secrets);
    const environment: Record<string, unknown> = Array.isArray(service.environment)
      ? Object.fromEntries(list(service.environment).map((entry) => [entry.split('=')[0], entry.split('=').slice(1).join('=')]))
      : (service.environment ?? {});
    for (const [key, value] of Object.entries(environment)) {
      const text = String(value ?? '');
      if (key.endsWith('_FILE')) {
        const match = /^\/run\/secrets\/([A-Za-z0-9_.-]+)$/.exec(text);
        if (!match || !granted.includes(match[1]!)) problems.push(`CTR-12 ${name} ${key} does not point at a granted secret`);
      } else if (SECRET_NAME_RE.test(key)) problems.push(`CTR-12 ${name} sets secret-like ${key} in environment`);
      if (/:\/\/[^/@\s:]+:[^/@\s]+@/.test(text)) problems.push(`CTR-12 ${name} ${key} holds a URL with a password`);
    }
    for (const secret of granted) {
      const file = topSecrets[secret]?.file;
      if (typeof file !== 'string' || !file.startsWith('./secrets/')) problems.push(`CTR-12 ${name} secret ${secret} is not a file under ./secrets/`);
    }
    // CTR-13: loopback-only publishing; the database never published and only on the internal network.
    for (const port of list(service.ports)) if (!port.startsWith('127.0.0.1:')) problems.push(`CTR-13 ${name} publishes ${port} beyond loopback`);
    if (service.expose !== undefined) problems.push(`CTR-13 ${name} uses expose`);
    const serviceNetworks = Array.isArray(service.networks) ? list(service.networks) : Object.keys(service.networks ?? {});
    if (serviceNetworks.length === 0) problems.push(`CTR-13 ${name} is on the default network`);
    if (name === 'db' || name === 'migrate') {
      if (service.ports !== undefined) problems.push(`CTR-13 ${name} is published on the host`);
      if (serviceNetworks.some((network) => network !== 'backend')) problems.push(`CTR-13 ${name} is on a network other than backend`);
    }
    if (options.requireDigest && typeof service.image === 'string' && service.build === undefined && !/@sha256:[0-9a-f]{64}$/.test(service.image)) {
      problems.push(`CTR-02 ${name} image is not pinned by digest`);
    }
  }
  if ('db' in services) {
    if (networks.backend?.internal !== true) problems.push('CTR-13 backend network is not internal');
    const migrate = services.migrate;
    if (!migrate) problems.push('DB migrate job missing');
    else {
      if (migrate.depends_on?.db?.condition !== 'service_healthy') problems.push('DB migrate does not wait for a healthy db');
      if (!String(migrate.environment?.DATABASE_URL ?? '').includes('_migrator@')) problems.push('DB migrate does not connect as the migrator role');
      if (!String(migrate.environment?.DATABASE_URL ?? '').includes('sslmode=verify-full')) problems.push('DB migrate does not verify the server certificate');
      if (!list(migrate.entrypoint).join(' ').includes('/opt/db/migrate.sh up')) problems.push('DB migrate does not run migrate.sh up');
    }
    if (services.api && services.api.depends_on?.migrate?.condition !== 'service_completed_successfully') problems.push('DB api starts before migrations finished');
    const dbVolumes = list(services.db.volumes);
    for (const mount of ['./db/postgresql.conf:', './db/pg_hba.conf:', './db/init.sh:/docker-entrypoint-initdb.d/']) {
      if (!dbVolumes.some((volume) => volume.startsWith(mount))) problems.push(`DB db does not mount ${mount}`);
    }
    const command = list(services.db.command).join(' ');
    for (const setting of ['config_file=/etc/postgresql/postgresql.conf', 'hba_file=/etc/postgresql/pg_hba.conf', 'ssl_cert_file=/run/secrets/db_server_crt', 'ssl_key_file=']) {
      if (!command.includes(setting)) problems.push(`DB db command lacks ${setting}`);
    }
  }
  return problems;
}
