/**
 * The little git that diff/upgrade/add need: is the working tree clean, and which content did a file have
 * when the manifest recorded its hash (the base of a 3-way merge, when this version of the templates no
 * longer renders it). Everything runs through execa with argument arrays (never a shell), stdin closed or
 * fed by us, and an environment scrubbed of what would run user code or wait for a human (hooks via
 * core.hooksPath, editors, pagers, askpass, external diff tools).
 */
import { execa } from 'execa';
import { sha256 } from '../manifest/manifest.js';

export type WorkingTreeState =
  | { kind: 'clean' }
  | { kind: 'dirty'; entries: string[] }
  | { kind: 'not-a-repository' }
  | { kind: 'git-unavailable' };

/** Variables that redirect git to another repository or make it run programs; removed from the child's environment. */
const SCRUBBED_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_CEILING_DIRECTORIES',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PAGER',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_EXTERNAL_DIFF',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_PROXY_COMMAND',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_TRACE',
  'PAGER',
  'EDITOR',
  'VISUAL',
];

/** Config overrides for every call: no hooks, no pager, no fsmonitor daemon, no colours. */
const SAFE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.pager=cat', '-c', 'core.fsmonitor=false', '-c', 'color.ui=false'];

export function gitEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const scrubbed: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (SCRUBBED_VARIABLES.includes(name) || name.startsWith('GIT_CONFIG_KEY_') || name.startsWith('GIT_CONFIG_VALUE_')) continue;
    scrubbed[name] = value;
  }
  return { ...scrubbed, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
}

async function git(root: string, args: string[], env: NodeJS.ProcessEnv, input?: string) {
  return execa('git', [...SAFE_CONFIG, ...args], {
    cwd: root,
    env: gitEnvironment(env),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** Whether `root` is the top of a git working tree; used to refuse an upgrade that could not be undone. */
export async function workingTreeState(root: string, env: NodeJS.ProcessEnv): Promise<WorkingTreeState> {
  const top = await git(root, ['rev-parse', '--show-toplevel'], env);
  if ((top as { code?: string }).code === 'ENOENT') return { kind: 'git-unavailable' };
  if (top.exitCode !== 0) return { kind: 'not-a-repository' };
  // -z: paths verbatim (no quoting); untracked files count, ignored ones do not.
  const status = await git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.'], env);
  if (status.exitCode !== 0) return { kind: 'not-a-repository' };
  const entries = Buffer.from(status.stdout)
    .toString('utf8')
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3));
  return entries.length === 0 ? { kind: 'clean' } : { kind: 'dirty', entries };
}

/**
 * For each path, the content whose SHA-256 is the wanted one, searched in every blob the path ever had in
 * any commit reachable from a ref or the reflog. One `git log --raw` lists the blob IDs, one
 * `git cat-file --batch` reads them. Paths with no match are absent from the result.
 */
export async function recoverContentsByHash(
  root: string,
  wanted: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (wanted.size === 0) return found;
  const log = await git(
    root,
    ['log', '--all', '--reflog', '--format=format:', '--raw', '--no-abbrev', '--no-renames', '--no-ext-diff', '--no-textconv', '-m', '--relative', '--', ...[...wanted.keys()].map(literalPathspec)],
    env,
  );
  if (log.exitCode !== 0) return found;
  const blobsByPath = new Map<string, Set<string>>();
  for (const line of Buffer.from(log.stdout).toString('utf8').split('\n')) {
    // ":100644 100644 <old> <new> M\t<path>": the new side is what the commit stored at that path.
    const tab = line.indexOf('\t');
    if (!line.startsWith(':') || tab < 0) continue;
    const fields = line.slice(1, tab).split(' ');
    const blob = fields[3];
    const filePath = unquoteGitPath(line.slice(tab + 1));
    if (blob === undefined || /^0+$/.test(blob) || !wanted.has(filePath)) continue;
    if (!blobsByPath.has(filePath)) blobsByPath.set(filePath, new Set());
    blobsByPath.get(filePath)!.add(blob);
  }
  const allBlobs = [...new Set([...blobsByPath.values()].flatMap((blobs) => [...blobs]))];
  if (allBlobs.length === 0) return found;
  const contents = await readBlobs(root, allBlobs, env);
  for (const [filePath, blobs] of blobsByPath) {
    const hash = wanted.get(filePath)!;
    for (const blob of blobs) {
      const content = contents.get(blob);
      if (content !== undefined && sha256(content) === hash) {
        found.set(filePath, content);
        break;
      }
    }
  }
  return found;
}

async function readBlobs(root: string, blobs: string[], env: NodeJS.ProcessEnv): Promise<Map<string, Buffer>> {
  const result = await git(root, ['cat-file', '--batch'], env, `${blobs.join('\n')}\n`);
  const contents = new Map<string, Buffer>();
  if (result.exitCode !== 0) return contents;
  const output = Buffer.from(result.stdout);
  let offset = 0;
  // Each answer: "<id> <type> <size>\n<content>\n", or "<id> missing\n".
  while (offset < output.length) {
    const newline = output.indexOf(0x0a, offset);
    if (newline < 0) break;
    const [id, type, sizeText] = output.subarray(offset, newline).toString('utf8').split(' ');
    offset = newline + 1;
    if (type === 'missing' || sizeText === undefined || id === undefined) continue;
    const size = Number(sizeText);
    if (type === 'blob') contents.set(id, Buffer.from(output.subarray(offset, offset + size)));
    offset += size + 1;
  }
  return contents;
}

/** `:(literal)` so that a generated path is never read as a glob or a magic pathspec. */
function literalPathspec(filePath: string): string {
  return `:(literal)${filePath}`;
}

/** git quotes paths with unusual bytes in "C-style"; generated paths are plain ASCII, but decode the common escapes. */
function unquoteGitPath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"')) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  for (let index = 0; index < body.length; index++) {
    const character = body[index]!;
    if (character !== '\\') {
      bytes.push(...Buffer.from(character, 'utf8'));
      continue;
    }
    const next = body[++index] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(index, index + 3), 8));
      index += 2;
    } else {
      bytes.push(({ n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 } as Record<string, number>)[next] ?? next.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
