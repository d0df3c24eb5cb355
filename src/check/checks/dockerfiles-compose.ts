/**
 * Dockerfiles (parsed with `dockerfile-ast`; the shell form of RUN parsed by ../shell.ts, with a note for a line it rejects),
 * `.dockerignore` files and Compose files (parsed with `yaml` and located with its LineCounter): CTR-01 … CTR-13.
 * Nothing in a scanned file is ever built or run.
 *
 * Most checks read one file. Two need the whole repository and run in `finish`: a Dockerfile's build context must
 * hold a `.dockerignore` (CTR-05), and a Dockerfile without HEALTHCHECK is fine when every Compose service that
 * builds it declares a healthcheck (CTR-07). A Compose service builds a Dockerfile through `build: <dir>` or
 * `build.context` (+ `build.dockerfile`), paths relative to the Compose file.
 */
import { Add, Arg, Cmd, DockerfileParser, Entrypoint, Env, From, Healthcheck, Run, Shell, User, type Instruction } from 'dockerfile-ast';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Location } from '../finding.js';
import { lineLocator, lineStarts } from '../line-index.js';
import type { CheckFamily, CheckSpec, Emitter, FindingOptions, RepositoryView, SourceFile } from '../registry.js';
import { commandOf, parseDockerRun, type ShellScript, type ShellWord } from '../shell.js';
import { deref, itemsOf, nodeAt, pairOf, parseYamlMapping, text, valueOf, type YamlFile } from '../yaml-nodes.js';

const DOCKERFILE_NAME = /^(?:Dockerfile|Containerfile)(?:\.[^/]+)?$|^[^/]+\.(?:Dockerfile|Containerfile)$/;
const DOCKERIGNORE_NAME = /^(?:[^/]+\.)?\.?dockerignore$/;
const COMPOSE_NAME = /^(?:docker-)?compose(?:\.[^/.]+)?\.ya?ml$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const NUMERIC_NON_ROOT = /^[1-9]\d*(?::[1-9]\d*)?$/;
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|(?:^|_)KEY$/;
const NOT_A_SECRET = /_(?:FILE|PATH|DIR|URL|URI|ID|NAME|TYPE|LENGTH|TTL|EXPIRY|EXPIRES|HEADER|ALGORITHM)$/;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:[^@/\s]+@/i;
const COMPILER = /^(?:gcc|g\+\+|gcc-\d+|g\+\+-\d+|clang|clang-\d+|build-essential|build-base|make|cmake|musl-dev|libc6-dev|libc-dev)$/;
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

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `relative` resolved against the repository directory `dir` ('' is the root); undefined when it leaves the repository. */
function joinPath(dir: string, relative: string): string | undefined {
  if (relative.startsWith('/') || /^[A-Za-z]:[\\/]/.test(relative)) return undefined;
  const parts = dir === '' ? [] : dir.split('/');
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) return undefined;
  }
  return parts.join('/');
}

function inDir(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

type Report = (location: Location, message: string, options?: FindingOptions) => void;

// ---- Dockerfiles --------------------------------------------------------------------------------

interface Stage {
  from: From;
  /** The stage's name (AS …), lower case, if any. */
  name: string | undefined;
  instructions: Instruction[];
}

interface ParsedDockerfile {
  file: SourceFile;
  /** Instructions before the first FROM (global ARGs). */
  preamble: Instruction[];
  stages: Stage[];
  /** The escape character (`\`, or what a `# escape=` directive chose): it also continues lines. */
  escape: string;
  lineStarts: number[];
  /** Location of an offset in the file's text. */
  locate: (offset: number) => Location;
  /** The shell script of each shell-form RUN, parsed once. */
  scripts: Map<Run, ShellScript | undefined>;
}

/** 0-based dockerfile-ast position → 1-based location. */
function pos(file: SourceFile, position: { line: number; character: number }): Location {
  return { file: file.path, line: position.line + 1, column: position.character + 1 };
}

function offsetOf(dockerfile: ParsedDockerfile, position: { line: number; character: number }): number {
  return (dockerfile.lineStarts[position.line] ?? dockerfile.file.text.length) + position.character;
}

function wordAt(dockerfile: ParsedDockerfile, word: ShellWord): Location {
  return dockerfile.locate(word.start);
}

function stagesOf(instructions: Instruction[]): { preamble: Instruction[]; stages: Stage[] } {
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction instanceof From) {
      stages.push({ from: instruction, name: instruction.getBuildStage()?.toLowerCase() ?? undefined, instructions: [] });
    } else {
      (stages.at(-1)?.instructions ?? preamble).push(instruction);
    }
  }
  return { preamble, stages };
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

/** What an instruction of stage `index` inherits: the instructions of the stages it builds on, then its own before it. */
function instructionsBefore(dockerfile: ParsedDockerfile, index: number, instruction: Instruction): Instruction[] {
  const chain: number[] = [];
  for (let i: number | undefined = parentStage(dockerfile, index); i !== undefined && !chain.includes(i); i = parentStage(dockerfile, i)) chain.unshift(i);
  const own = dockerfile.stages[index]!.instructions;
  return [...chain.flatMap((i) => dockerfile.stages[i]!.instructions), ...own.slice(0, own.indexOf(instruction))];
}

function fromAt(dockerfile: ParsedDockerfile, stage: Stage): Location {
  return pos(dockerfile.file, stage.from.getRange().start);
}

/** The parsed shell text of a shell-form RUN; undefined for the exec form (`RUN ["…"]`), which no shell reads. */
function scriptOf(dockerfile: ParsedDockerfile, run: Run): ShellScript | undefined {
  if (dockerfile.scripts.has(run)) return dockerfile.scripts.get(run);
  const range = run.getArgumentsRange();
  const script = range === null || run.getOpeningBracket() !== null ? undefined : parseDockerRun(dockerfile.file.text, offsetOf(dockerfile, range.start), offsetOf(dockerfile, range.end), dockerfile.escape);
  dockerfile.scripts.set(run, script);
  return script;
}

/** Every RUN with its stage index and shell script. */
function* runsOf(dockerfile: ParsedDockerfile): Generator<{ run: Run; index: number; script: ShellScript }> {
  for (const [index, stage] of dockerfile.stages.entries()) {
    for (const instruction of stage.instructions) {
      if (!(instruction instanceof Run)) continue;
      const script = scriptOf(dockerfile, instruction);
      if (script !== undefined) yield { run: instruction, index, script };
    }
  }
}

/** The `type=cache` mount targets of a RUN (`--mount=type=cache,target=/root/.cache/pip`). */
function cacheMounts(run: Run): string[] {
  const targets: string[] = [];
  for (const flag of run.getFlags()) {
    if (flag.getName() !== 'mount') continue;
    const fields = new Map<string, string>();
    for (const field of (flag.getValue() ?? '').split(',')) {
      const equals = field.indexOf('=');
      if (equals > 0) fields.set(field.slice(0, equals).toLowerCase(), field.slice(equals + 1));
    }
    if (fields.get('type') === 'cache') targets.push(fields.get('target') ?? fields.get('dst') ?? fields.get('destination') ?? '');
  }
  return targets;
}

// ---- Package installs in RUN --------------------------------------------------------------------

type PackageManager = 'apt' | 'apk' | 'pip' | 'rpm';

interface PackageInstall {
  manager: PackageManager;
  /** The command word (apt-get, apk, pip, python …), where findings about the whole command point. */
  command: ShellWord;
  /** Every option given, by name (`--no-cache`, `-r`), with its value when it takes one. */
  options: Map<string, ShellWord | undefined>;
  /** What is installed: package names and specifiers, paths, URLs. */
  packages: ShellWord[];
  /** Assignments before the command (`PIP_NO_CACHE_DIR=1 pip install …`). */
  assignments: string[];
}

/** Options that take a value, per manager: the value is not a package. */
const VALUE_OPTIONS: Record<PackageManager, ReadonlySet<string>> = {
  apt: new Set(['-o', '-c', '-t', '-a', '--option', '--config-file', '--target-release', '--default-release', '--host-architecture']),
  apk: new Set(['-t', '-X', '-p', '--virtual', '--repository', '--root', '--repositories-file', '--arch', '--keys-dir', '--cache-dir', '--cache-max-age', '--timeout']),
  pip: new Set([
    '-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links',
    '-t', '--target', '--prefix', '--root', '--platform', '--python-version', '--implementation', '--abi', '--only-binary',
    '--no-binary', '--progress-bar', '--src', '--upgrade-strategy', '--cache-dir', '--log', '--log-file', '--proxy', '--retries',
    '--timeout', '--exists-action', '--trusted-host', '--cert', '--client-cert', '--global-option', '--config-settings', '-C',
    '--report', '--python', '--group', '--root-user-action', '--keyring-provider', '--use-feature', '--use-deprecated',
  ]),
  rpm: new Set(['-c', '-x', '--config', '--installroot', '--releasever', '--setopt', '--enablerepo', '--disablerepo', '--repo', '--exclude', '--repofrompath', '--forcearch']),
};

const INSTALL_VERB: Record<PackageManager, ReadonlySet<string>> = {
  apt: new Set(['install']),
  apk: new Set(['add']),
  pip: new Set(['install']),
  rpm: new Set(['install', 'in']),
};

function managerOf(name: string): PackageManager | undefined {
  if (name === 'apt-get' || name === 'apt' || name === 'aptitude') return 'apt';
  if (name === 'apk') return 'apk';
  if (/^pip(?:\d+(?:\.\d+)?)?$/.test(name)) return 'pip';
  if (['yum', 'dnf', 'microdnf', 'tdnf', 'zypper'].includes(name)) return 'rpm';
  return undefined;
}

/** The package install a simple command runs, if it is one (`apt-get install`, `apk add`, `pip install`, `python -m pip install`, `dnf install`). */
function installOf(words: readonly ShellWord[]): PackageInstall | undefined {
  const command = commandOf(words);
  if (command === undefined) return undefined;
  let args = command.args;
  let manager = managerOf(command.name);
  if (manager === undefined && /^python(?:\d+(?:\.\d+)?)?$/.test(command.name)) {
    // python [-I -u …] -m pip …
    const module = args.findIndex((arg) => arg.text === '-m');
    if (module < 0 || !/^pip\d*$/.test(args[module + 1]?.text ?? '')) return undefined;
    manager = 'pip';
    args = args.slice(module + 2);
  }
  if (manager === undefined) return undefined;
  const takesValue = VALUE_OPTIONS[manager];
  const options = new Map<string, ShellWord | undefined>();
  const operands: ShellWord[] = [];
  for (let k = 0; k < args.length; k += 1) {
    const word = args[k]!;
    const value = word.text;
    if (value === '--') {
      operands.push(...args.slice(k + 1));
      break;
    }
    if (value.startsWith('--')) {
      const equals = value.indexOf('=');
      const name = equals < 0 ? value : value.slice(0, equals);
      if (equals >= 0) options.set(name, { ...word, text: value.slice(equals + 1) });
      else if (takesValue.has(name)) options.set(name, args[(k += 1)]);
      else options.set(name, undefined);
    } else if (value.startsWith('-') && value.length > 1 && !word.quoted) {
      // A cluster of short options (`-yq`); one that takes a value ends it, glued (`-rreq.txt`) or as the next word.
      for (let m = 1; m < value.length; m += 1) {
        const name = `-${value[m]}`;
        if (!takesValue.has(name)) {
          options.set(name, undefined);
          continue;
        }
        options.set(name, m + 1 < value.length ? { ...word, text: value.slice(m + 1) } : args[(k += 1)]);
        break;
      }
    } else operands.push(word);
  }
  if (!INSTALL_VERB[manager].has(operands[0]?.text ?? '')) return undefined;
  return { manager, command: command.word, options, packages: operands.slice(1), assignments: command.assignments };
}

function* installsOf(script: ShellScript): Generator<PackageInstall> {
  for (const command of script.commands) {
    const install = installOf(command.words);
    if (install !== undefined) yield install;
  }
}

/** A package name without its version, architecture or release (`gcc=4:12` → `gcc`). */
function packageName(word: ShellWord): string {
  return word.text.replace(/[=:/<>~].*$/, '');
}

/** Whether a word is an expansion whose value is not written here (`$PACKAGES`): neither flagged nor trusted. */
function isExpansion(word: ShellWord): boolean {
  return word.text.includes('$');
}

/** apt/apk: `pkg=version` pins (apk also `pkg~version`); a local package file is what it is. */
function systemPackagePinned(install: PackageInstall, word: ShellWord): boolean {
  if (isExpansion(word) || /\.(?:deb|apk)$/.test(word.text)) return true;
  return install.manager === 'apk' ? /[=~]/.test(word.text) : word.text.includes('=');
}

const PIP_ARCHIVE = /\.(?:whl|tar\.gz|tgz|zip|tar\.bz2)$/i;
const COMMIT_IN_URL = /@[0-9a-f]{40}(?:$|[#&])/;

/**
 * pip: `name==version` (or `===`), a local path or archive, a URL to an archive or to a full commit; a bare name,
 * `>=` ranges and branch or tag URLs can change under the same Dockerfile.
 */
function pipRequirementPinned(word: ShellWord): boolean {
  const value = word.text;
  if (isExpansion(word) || value.includes('==')) return true;
  if (value.includes('://')) return COMMIT_IN_URL.test(value) || PIP_ARCHIVE.test(value.replace(/[#?].*$/, ''));
  return /^[./~]/.test(value) || value.includes('/') || PIP_ARCHIVE.test(value);
}

function unpinnedPipRequirements(install: PackageInstall): ShellWord[] {
  if (['-r', '--requirement', '-c', '--constraint', '--require-hashes'].some((option) => install.options.has(option))) return [];
  const editable = install.options.get('-e') ?? install.options.get('--editable');
  const requirements = editable === undefined ? install.packages : [editable, ...install.packages];
  const unpinned: ShellWord[] = [];
  for (let k = 0; k < requirements.length; k += 1) {
    const word = requirements[k]!;
    // `name @ https://…` written as three words: the URL decides.
    if (requirements[k + 1]?.text === '@') {
      const url = requirements[k + 2];
      if (url !== undefined && !pipRequirementPinned(url)) unpinned.push(word);
      k += 2;
      continue;
    }
    if (/^[A-Za-z0-9][\w.-]*(?:\[[^\]]*\])?\s*@\s*\S/.test(word.text)) {
      if (!pipRequirementPinned({ ...word, text: word.text.slice(word.text.indexOf('@') + 1).trim() })) unpinned.push(word);
      continue;
    }
    if (!pipRequirementPinned(word)) unpinned.push(word);
  }
  return unpinned;
}

const TRUTHY = /^(?:1|true|yes|on)$/i;

/** Whether pip keeps no download cache in the layer: --no-cache-dir, PIP_NO_CACHE_DIR, or a cache mount. */
function pipCacheOff(install: PackageInstall, run: Run, environment: Map<string, string>): boolean {
  if (install.options.has('--no-cache-dir')) return true;
  const assigned = install.assignments.find((assignment) => assignment.startsWith('PIP_NO_CACHE_DIR='));
  const value = assigned !== undefined ? assigned.slice('PIP_NO_CACHE_DIR='.length) : environment.get('PIP_NO_CACHE_DIR');
  if (value !== undefined && TRUTHY.test(value.replace(/^["']|["']$/g, ''))) return true;
  return cacheMounts(run).some((target) => /pip|\/\.cache\/?$/.test(target));
}

function apkCacheOff(install: PackageInstall, run: Run): boolean {
  return install.options.has('--no-cache') || cacheMounts(run).some((target) => /\/(?:var\/cache\/apk|etc\/apk\/cache)\/?$/.test(target));
}

/** The variables ENV and ARG (with a value) set for an instruction, inherited stages first. */
function environmentAt(dockerfile: ParsedDockerfile, index: number, instruction: Instruction): Map<string, string> {
  const environment = new Map<string, string>();
  for (const earlier of instructionsBefore(dockerfile, index, instruction)) {
    if (!(earlier instanceof Env) && !(earlier instanceof Arg)) continue;
    for (const property of earlier.getProperties()) {
      const value = property.getValue();
      if (value !== null) environment.set(property.getName(), value);
    }
  }
  return environment;
}

const NOT_POSIX_SHELLS = /^(?:pwsh|powershell|cmd)(?:\.exe)?$/i;

/** The effective SHELL argv of an instruction (the default is `/bin/sh -c`). */
function shellAt(dockerfile: ParsedDockerfile, index: number, instruction: Instruction): string[] {
  const shell = instructionsBefore(dockerfile, index, instruction).filter((earlier): earlier is Shell => earlier instanceof Shell).at(-1);
  if (shell === undefined) return ['/bin/sh', '-c'];
  return shell.getJSONStrings().map((json) => {
    try {
      return String(JSON.parse(json.getValue()));
    } catch {
      return json.getValue();
    }
  });
}

/** `-o pipefail`, also in a cluster (`-euo pipefail`, `-eo pipefail`). */
function setsPipefail(args: readonly string[]): boolean {
  return args.some((arg, k) => /^-[a-zA-Z]*o$/.test(arg) && args[k + 1] === 'pipefail');
}

/** Whether the script turns pipefail on itself before its first pipe (`set -o pipefail && …`, `set -euo pipefail; …`). */
function scriptSetsPipefail(script: ShellScript): boolean {
  const first = script.pipes[0] ?? Infinity;
  return script.commands.some(({ words }) => words.length > 0 && words[0]!.start < first && words[0]!.text === 'set' && setsPipefail(words.slice(1).map((word) => word.text)));
}

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

/** A Compose service that builds a Dockerfile of this repository. */
interface ComposeBuild {
  compose: Compose;
  service: Service;
  /** The build context directory, relative to the repository root ('' is the root). */
  context: string;
  /** The Dockerfile's path relative to the repository root. */
  dockerfile: string;
  healthcheck: 'declared' | 'disabled' | 'absent';
}

function isTrue(node: unknown): boolean {
  return isScalar(node) && (node.value === true || text(node)?.toLowerCase() === 'true');
}

/** Whether a service's healthcheck is turned off, and where (`disable: true` or `test: NONE` / `["NONE"]`). */
function disabledHealthcheck(compose: Compose, service: Service): unknown {
  const healthcheck = valueOf(compose, service.node, 'healthcheck');
  const disable = valueOf(compose, healthcheck, 'disable');
  if (isTrue(disable)) return disable;
  const test = valueOf(compose, healthcheck, 'test');
  const first = isSeq(test) ? deref(compose, test.items[0]) : test;
  return text(first)?.trim().toUpperCase() === 'NONE' ? first : undefined;
}

function healthcheckOf(compose: Compose, service: Service): ComposeBuild['healthcheck'] {
  if (disabledHealthcheck(compose, service) !== undefined) return 'disabled';
  // Without test:, a healthcheck only tunes the image's own HEALTHCHECK (interval, retries …).
  return valueOf(compose, valueOf(compose, service.node, 'healthcheck'), 'test') !== undefined ? 'declared' : 'absent';
}

/**
 * The Dockerfile a service builds: `build: <context>` or `build: {context, dockerfile}` (the Dockerfile is
 * relative to the context). A remote context (a Git URL), an inline Dockerfile, an interpolated path or one that
 * leaves the repository is not followed.
 */
function buildOf(compose: Compose, service: Service): ComposeBuild | undefined {
  const build = valueOf(compose, service.node, 'build');
  if (build === undefined) return undefined;
  const contextText = isMap(build) ? (text(valueOf(compose, build, 'context')) ?? '.') : text(build);
  if (contextText === undefined || contextText.includes('$') || /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(contextText)) return undefined;
  if (isMap(build) && valueOf(compose, build, 'dockerfile_inline') !== undefined) return undefined;
  const context = joinPath(dirname(compose.file.path), contextText.trim());
  const dockerfileText = isMap(build) ? (text(valueOf(compose, build, 'dockerfile')) ?? 'Dockerfile') : 'Dockerfile';
  if (context === undefined || dockerfileText.includes('$')) return undefined;
  const dockerfile = joinPath(context, dockerfileText.trim());
  if (dockerfile === undefined) return undefined;
  return { compose, service, context, dockerfile, healthcheck: healthcheckOf(compose, service) };
}

/** Reports `key` missing at the service name, or present with a wrong value at that value. */
function absentOrWrong(compose: Compose, report: Report, key: string, ok: (value: unknown) => boolean, what: string): void {
  for (const service of compose.services) {
    const pair = pairOf(compose, service.node, key);
    if (pair === undefined) {
      if (!service.fragment) report(nodeAt(compose, service.key), `service ${service.name} has no ${key}: ${what}`);
    } else if (!ok(deref(compose, pair.value))) {
      report(nodeAt(compose, pair.value ?? pair.key), `service ${service.name} sets ${key} without ${what}`);
    }
  }
}

// ---- Base image references ----------------------------------------------------------------------

/** Tag and digest of an image reference (`registry:5000/name:tag@sha256:…`). */
function imageParts(reference: string): { tag: string | undefined; digest: string | undefined } {
  const at = reference.indexOf('@');
  const nameAndTag = at < 0 ? reference : reference.slice(0, at);
  const colon = nameAndTag.lastIndexOf(':');
  return { tag: colon > nameAndTag.lastIndexOf('/') ? nameAndTag.slice(colon + 1) : undefined, digest: at < 0 ? undefined : reference.slice(at + 1) };
}

/**
 * Grades how an external image is pinned (CTR-02): a digest is pinned; a specific tag is a low finding (the
 * tag can move, but the version is chosen); no tag or `latest` takes the catalog severity.
 */
function gradeImage(reference: string, what: string, location: Location, report: Report): void {
  const { tag, digest } = imageParts(reference);
  if (digest !== undefined && DIGEST.test(digest)) {
    if (tag === 'latest') report(location, `${what} ${reference} names the latest tag: name the real version next to the digest`, { severity: 'low' });
    return;
  }
  if (tag === undefined || tag === 'latest') {
    report(location, `${what} ${reference} ${tag === undefined ? 'has no tag (so latest)' : 'is on the latest tag'} and no digest: every build may get another image`);
    return;
  }
  report(
    location,
    `${what} ${reference} is pinned by the tag "${tag}" only: the tag can move to another image; pin its digest (\`secure-stack new --pin-digests\`, or name:tag@sha256:<digest>)`,
    { severity: 'low' },
  );
}

/** `$NAME`, `${NAME}` and `${NAME:-default}` in a FROM, from the global ARG defaults; undefined when one has no value here. */
function expandGlobalArgs(value: string, dockerfile: ParsedDockerfile): string | undefined {
  const defaults = new Map<string, string>();
  for (const instruction of dockerfile.preamble) {
    if (!(instruction instanceof Arg)) continue;
    for (const property of instruction.getProperties()) {
      const argument = property.getValue();
      if (argument !== null) defaults.set(property.getName(), argument);
    }
  }
  let unresolved = false;
  const expanded = value.replace(/\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)/g, (_, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const known = defaults.get((braced ?? bare)!);
    if (known !== undefined && known !== '') return known;
    if (fallback !== undefined) return fallback;
    unresolved = true;
    return '';
  });
  return unresolved ? undefined : expanded;
}

// ---- The checks ---------------------------------------------------------------------------------

/** What `finish` sees: every parsed Dockerfile and Compose file, the builds that link them, every path. */
interface RepositoryBuilds {
  dockerfiles: ParsedDockerfile[];
  builds: ComposeBuild[];
  paths: ReadonlySet<string>;
}

interface DockerfileCheck extends CheckSpec {
  dockerfile?(dockerfile: ParsedDockerfile, report: Report): void;
  dockerignore?(file: SourceFile, report: Report): void;
  compose?(compose: Compose, report: Report): void;
  repository?(repository: RepositoryBuilds, report: Report): void;
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
  docs:
    'Flags every FROM of an external image (not scratch, not an earlier stage; `${ARG}` references resolved from global ARG defaults, left alone when they have none) and every Compose `image:` of a service that does not build it, by how it is pinned: ' +
    'no tag or the latest tag and no digest is high (the catalog severity); a specific tag without an @sha256: digest is low, because the version is chosen but the tag can be moved to another image (a freshly generated stack without `--pin-digests` has exactly these); a digest is clean (with a latest tag next to it: low).',
  fix: 'Pin each base image as `name:tag@sha256:<digest>` (e.g. `secure-stack new --pin-digests`, or `docker buildx imagetools inspect name:tag`) and let Dependabot or Renovate bump it.',
  dockerfile(dockerfile, report) {
    const names = new Set<string>();
    for (const stage of dockerfile.stages) {
      const written = stage.from.getImage();
      const range = stage.from.getImageRange();
      const image = written === null ? undefined : written.includes('$') ? expandGlobalArgs(written, dockerfile) : written;
      if (image !== undefined && range !== null && image.toLowerCase() !== 'scratch' && !names.has(image.toLowerCase())) {
        gradeImage(image, 'base image', pos(dockerfile.file, range.start), report);
      }
      if (stage.name !== undefined) names.add(stage.name);
    }
  },
  compose(compose, report) {
    for (const service of compose.services) {
      if (pairOf(compose, service.node, 'build') !== undefined) continue; // image: names what build: makes
      const image = valueOf(compose, service.node, 'image');
      const reference = text(image)?.trim();
      if (reference === undefined || reference === '' || reference.includes('$')) continue;
      gradeImage(reference, `service ${service.name} image`, nodeAt(compose, image), report);
    }
  },
};

const ctr03: DockerfileCheck = {
  controlId: 'CTR-03',
  docs: 'Flags a single-stage Dockerfile that runs build steps (RUN), and compilers or build toolchains (gcc, g++, clang, build-essential, build-base, make, cmake, libc headers) installed by apt-get/apt, apk, yum/dnf/microdnf/zypper in the final stage.',
  fix: 'Build in an earlier stage and copy only the result into a slim or distroless runtime stage; install no compilers there.',
  dockerfile(dockerfile, report) {
    const final = dockerfile.stages.at(-1)!;
    if (dockerfile.stages.length === 1 && final.instructions.some((instruction) => instruction instanceof Run)) {
      report(fromAt(dockerfile, final), 'single-stage image: everything used to build it stays in the runtime image');
    }
    const finalIndex = dockerfile.stages.length - 1;
    for (const { index, script } of runsOf(dockerfile)) {
      if (index !== finalIndex) continue;
      for (const install of installsOf(script)) {
        if (install.manager === 'pip') continue;
        for (const word of install.packages) {
          const name = packageName(word);
          if (COMPILER.test(name)) report(wordAt(dockerfile, word), `${name} is installed in the final stage: build tools belong in a build stage`);
        }
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
  docs:
    'Flags a Dockerfile whose build context has no .dockerignore (at line 1; the context is the Dockerfile\'s directory, or the `build.context` of each Compose service that builds it; a `<Dockerfile>.dockerignore` beside the Dockerfile counts, as BuildKit reads it first), ' +
    'a .dockerignore that does not exclude .git, .env* (both .env and .env.*) and node_modules, and a ! pattern that puts one of them back. An allow-list (`*` then `!` patterns) counts as excluding them.',
  fix: 'Add a .dockerignore to the build context that excludes at least `.git`, `.env`, `.env.*`, `*.pem`, `node_modules` and tests (or starts with `*` and allows back only what the image needs).',
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
  repository({ dockerfiles, builds, paths }, report) {
    for (const dockerfile of dockerfiles) {
      const path = dockerfile.file.path;
      if (paths.has(`${path}.dockerignore`)) continue;
      const contexts = new Map<string, string>();
      for (const build of builds) if (build.dockerfile === path) contexts.set(build.context, `${build.compose.file.path} service ${build.service.name}`);
      if (contexts.size === 0) contexts.set(dirname(path), '');
      for (const [context, by] of contexts) {
        if (paths.has(inDir(context, '.dockerignore'))) continue;
        const where = context === '' ? 'the repository root' : `${context}/`;
        report({ file: path, line: 1, column: 1 }, `the build context (${where}${by === '' ? '' : `, from ${by}`}) has no .dockerignore: .git, .env files and everything else in it are sent to the build and can end up in the image`);
      }
    }
  },
};

const ctr06: DockerfileCheck = {
  controlId: 'CTR-06',
  docs:
    'Flags ADD (a remote URL fetched unverified, an archive extracted implicitly, or plain files where COPY fits) unless it verifies a --checksum; shell-form CMD and ENTRYPOINT; ' +
    'a shell-form RUN with a pipe whose shell does not run with `-o pipefail` (hadolint DL4006: a failing download piped to tar or sh goes unnoticed; a `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` in the stage or the stage it builds on, or `set -o pipefail` before the pipe in the RUN, is fine); ' +
    '`pip install` of requirements that are not pinned (DL3013: a bare name or a >= range; `name==version`, `-r`/`-c` files, `--require-hashes`, local paths and archives are fine); ' +
    'and, as low findings, `pip install` keeping its download cache (DL3042: no --no-cache-dir, PIP_NO_CACHE_DIR or cache mount), `apk add` without --no-cache (DL3019), and apt-get/apk packages without a version (DL3008, DL3018: many well-run images leave distribution packages unpinned, because the archive drops old versions; the digest-pinned base image decides the rest). ' +
    'RUN shell text is parsed as Bash by mvdan-sh (quotes, escapes, Docker line continuations, `&&`/`||`/`;`/`|`, compound commands, here-documents, the script of `RUN <<EOF`); a line the parser rejects is left out with a note; the exec form of RUN is not read.',
  fix: 'Use COPY for local files, fetch remote files in a RUN that verifies a checksum (or `ADD --checksum=sha256:…`), write CMD/ENTRYPOINT in JSON form (`CMD ["node", "server.js"]`), set `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before a RUN with a pipe, and install pinned packages (`pip install --no-cache-dir -r requirements.txt` with hashes, `apk add --no-cache pkg=version`, `apt-get install pkg=version`).',
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
    for (const { run, index, script } of runsOf(dockerfile)) {
      const pipe = script.pipes[0];
      if (pipe !== undefined) {
        const shell = shellAt(dockerfile, index, run);
        if (!NOT_POSIX_SHELLS.test(basename(shell[0] ?? '')) && !setsPipefail(shell) && !scriptSetsPipefail(script)) {
          report(dockerfile.locate(pipe), `RUN pipes commands under ${shell[0] ?? '/bin/sh'} without -o pipefail: only the last command's failure fails the build`);
        }
      }
      for (const install of installsOf(script)) {
        const tool = install.command.text;
        if (install.manager === 'pip') {
          const unpinned = unpinnedPipRequirements(install);
          if (unpinned.length > 0) {
            report(wordAt(dockerfile, unpinned[0]!), `${tool} install of ${unpinned.map((word) => word.text).join(', ')} without a pinned version: each build may install another release (pin name==version, or install from a requirements file with hashes)`);
          }
          if (!pipCacheOff(install, run, environmentAt(dockerfile, index, run))) {
            report(wordAt(dockerfile, install.command), `${tool} install keeps its download cache in the image layer (add --no-cache-dir)`, { severity: 'low' });
          }
        } else if (install.manager === 'apt' || install.manager === 'apk') {
          const unpinned = install.packages.filter((word) => !systemPackagePinned(install, word));
          if (unpinned.length > 0) {
            report(wordAt(dockerfile, unpinned[0]!), `${tool} ${install.manager === 'apk' ? 'add' : 'install'} of ${unpinned.map((word) => word.text).join(', ')} without a version: the build takes whatever the mirror has that day`, { severity: 'low' });
          }
          if (install.manager === 'apk' && !apkCacheOff(install, run)) {
            report(wordAt(dockerfile, install.command), 'apk add without --no-cache leaves the package index in the image layer', { severity: 'low' });
          }
        }
      }
    }
  },
};

const ctr07: DockerfileCheck = {
  controlId: 'CTR-07',
  docs:
    'Flags a Dockerfile whose final stage (or the stage it builds on) has no HEALTHCHECK or ends with HEALTHCHECK NONE, unless every Compose service that builds it declares a healthcheck with a test; ' +
    'and a Compose service whose healthcheck is disabled (disable: true or test: NONE), which turns off the image\'s own HEALTHCHECK too. ' +
    'Only the service that has the `build:` counts: a healthcheck added to it by another Compose file (an override) is not merged in.',
  fix: 'Add `HEALTHCHECK CMD ["…", "probe"]` to the final stage, or a `healthcheck:` with a `test:` to every Compose service that runs the image; never disable it.',
  compose(compose, report) {
    for (const service of compose.services) {
      const disabled = disabledHealthcheck(compose, service);
      if (disabled !== undefined) report(nodeAt(compose, disabled), `service ${service.name} disables its healthcheck`);
    }
  },
  repository({ dockerfiles, builds }, report) {
    for (const dockerfile of dockerfiles) {
      const index = dockerfile.stages.length - 1;
      const healthcheck = lastOf(dockerfile, index, Healthcheck);
      const none = healthcheck !== undefined && (healthcheck.getArguments()[0]?.getValue() ?? '').toUpperCase() === 'NONE';
      if (healthcheck !== undefined && !none) continue;
      const builders = builds.filter((build) => build.dockerfile === dockerfile.file.path);
      const uncovered = builders.filter((build) => build.healthcheck !== 'declared');
      if (builders.length > 0 && uncovered.length === 0) continue;
      const services = uncovered.length === 0 ? '' : ` (nor does ${uncovered.map((build) => `service ${build.service.name} in ${build.compose.file.path}`).join(', ')}, which builds it)`;
      if (none) report(pos(dockerfile.file, healthcheck.getRange().start), `HEALTHCHECK NONE disables the health check${services}`);
      else report(fromAt(dockerfile, dockerfile.stages[index]!), `the final stage has no HEALTHCHECK${services}`);
    }
  },
};

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

// ---- Reading files ------------------------------------------------------------------------------

// Each file is parsed once: `finish` gets the same SourceFile objects `scan` read, and finds their parse here.
const parsed = new WeakMap<SourceFile, ParsedDockerfile | Compose | null>();

const SILENT: Pick<Emitter, 'note'> = { note: () => undefined };

function readDockerfile(file: SourceFile, emit: Pick<Emitter, 'note'>): ParsedDockerfile | undefined {
  if (parsed.has(file)) return (parsed.get(file) as ParsedDockerfile | null) ?? undefined;
  const document = DockerfileParser.parse(file.text);
  const { preamble, stages } = stagesOf(document.getInstructions());
  if (stages.length === 0) {
    emit.note({ file: file.path, line: 1, column: 1, message: 'not checked: no FROM instruction (not a Dockerfile?)' });
    parsed.set(file, null);
    return undefined;
  }
  const starts = lineStarts(file.text);
  const dockerfile: ParsedDockerfile = { file, preamble, stages, escape: document.getEscapeCharacter(), lineStarts: starts, locate: lineLocator(file.path, file.text, starts), scripts: new Map() };
  parsed.set(file, dockerfile);
  return dockerfile;
}

function readCompose(file: SourceFile, emit: Pick<Emitter, 'note'>): Compose | undefined {
  if (parsed.has(file)) return (parsed.get(file) as Compose | null) ?? undefined;
  const yaml = parseYamlMapping(file, { finding: () => undefined, note: (note) => emit.note(note) }, 'a Compose file');
  if (yaml === undefined) {
    parsed.set(file, null);
    return undefined;
  }
  const compose: Compose = { ...yaml, services: [] };
  const services = valueOf(compose, compose.root, 'services');
  if (isMap(services)) {
    for (const pair of services.items) {
      const node = deref(compose, pair.value);
      const fragment = ['image', 'build'].every((key) => pairOf(compose, node, key) === undefined) || pairOf(compose, node, 'extends') !== undefined;
      compose.services.push({ name: String(isScalar(pair.key) ? pair.key.value : '?'), key: pair.key, node, fragment });
    }
  }
  parsed.set(file, compose);
  return compose;
}

function reporter(emit: Emitter, check: DockerfileCheck): Report {
  return (location, message, options) => emit.finding(check.controlId, location, message, options);
}

function scan(file: SourceFile, emit: Emitter): void {
  if (isComposePath(file.path)) {
    const compose = readCompose(file, emit);
    if (compose !== undefined) for (const check of CHECKS) check.compose?.(compose, reporter(emit, check));
  } else if (isDockerignorePath(file.path)) {
    for (const check of CHECKS) check.dockerignore?.(file, reporter(emit, check));
  } else {
    const dockerfile = readDockerfile(file, emit);
    if (dockerfile === undefined) return;
    for (const check of CHECKS) check.dockerfile?.(dockerfile, reporter(emit, check));
    noteShellErrors(dockerfile, emit);
  }
}

/** A note for the first line of each RUN that the shell parser rejects: the commands there are not checked. */
function noteShellErrors(dockerfile: ParsedDockerfile, emit: Pick<Emitter, 'note'>): void {
  for (const { run, index, script } of runsOf(dockerfile)) {
    const [first, ...more] = script.errors;
    // Under SHELL ["pwsh", …] or cmd, a script that is not POSIX shell is expected.
    if (first === undefined || NOT_POSIX_SHELLS.test(basename(shellAt(dockerfile, index, run)[0] ?? ''))) continue;
    const others = more.length === 0 ? '' : ` and ${more.length} other line${more.length === 1 ? '' : 's'}`;
    emit.note({ ...dockerfile.locate(first.offset), message: `RUN not parsed as shell here (${first.message}): the commands of this shell line (and the lines continuing it)${others} are not checked` });
  }
}

function finish(files: readonly SourceFile[], emit: Emitter, repository: RepositoryView): void {
  const dockerfiles: ParsedDockerfile[] = [];
  const builds: ComposeBuild[] = [];
  for (const file of files) {
    if (isComposePath(file.path)) {
      const compose = readCompose(file, SILENT);
      for (const service of compose?.services ?? []) {
        const build = buildOf(compose!, service);
        if (build !== undefined) builds.push(build);
      }
    } else if (!isDockerignorePath(file.path)) {
      const dockerfile = readDockerfile(file, SILENT);
      if (dockerfile !== undefined) dockerfiles.push(dockerfile);
    }
  }
  for (const check of CHECKS) check.repository?.({ dockerfiles, builds, paths: repository.paths }, reporter(emit, check));
}

export const dockerfilesComposeFamily: CheckFamily = {
  id: 'dockerfiles-compose',
  title: 'Dockerfiles and Compose files',
  checks: CHECKS,
  selects: (path) => isDockerfilePath(path) || isDockerignorePath(path) || isComposePath(path),
  scan,
  finish,
};
