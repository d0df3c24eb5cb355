/**
 * Real image builds without a registry, for the api and web image tests: Debian's podman and buildah with a
 * private storage root in a temporary directory (nothing touches the host's images), chroot isolation (no
 * container runtime needed; `podman run` does not work in this sandbox, `buildah run --isolation chroot` does),
 * and base images made locally from the Debian 13 tree of .ci/debian13-root.sh.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { execa, type Result } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeDir } from '../../support/cli.js';
import { debian13Root } from '../../support/debian13.js';
import { runMounts } from './checks.js';

/** The PATH of the official Debian-based images, which the node base image also gets. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function hasCommand(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'has-command', tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What a build test lacks on this machine (empty when it can run): podman, buildah, the Debian 13 root. */
export function missingForImageBuilds(): string[] {
  return [
    ...(hasCommand('podman') ? [] : ['podman']),
    ...(hasCommand('buildah') ? [] : ['buildah']),
    ...(debian13Root() ? [] : ['the Debian 13 root (.ci/debian13-root.sh, as root)']),
  ];
}

export interface PodmanSandbox {
  work: string;
  /** overlay when the kernel allows it here (builds of node_modules-sized layers take seconds), else vfs. */
  driver: 'overlay' | 'vfs';
  podman(args: string[], options?: { reject?: boolean }): Promise<Result>;
  buildah(args: string[], options?: { reject?: boolean }): Promise<Result>;
  /** Imports the Debian 13 root as `image` (one layer, no registry). */
  importDebian13(image: string): Promise<void>;
  /** Removes every container and image of the sandbox, then its directory. */
  close(): Promise<void>;
}

async function storageDriver(work: string): Promise<'overlay' | 'vfs'> {
  // The overlay driver mounts a test overlay when it starts: `info` fails where overlayfs is not allowed.
  const probe = await execa('podman', ['--root', path.join(work, 'probe'), '--runroot', path.join(work, 'probe-run'), '--storage-driver', 'overlay', 'info'], {
    reject: false,
    stdin: 'ignore',
  });
  removeDir(path.join(work, 'probe'));
  removeDir(path.join(work, 'probe-run'));
  return probe.exitCode === 0 ? 'overlay' : 'vfs';
}

export async function openPodmanSandbox(prefix: string): Promise<PodmanSandbox> {
  const root = debian13Root();
  const work = makeTempDir(prefix);
  const driver = await storageDriver(work);
  const storage = ['--root', path.join(work, 'storage'), '--runroot', path.join(work, 'run'), '--storage-driver', driver];
  const podman = (args: string[], options: { reject?: boolean } = {}) => execa('podman', [...storage, ...args], { reject: options.reject ?? true, stdin: 'ignore' });
  const buildah = (args: string[], options: { reject?: boolean } = {}) => execa('buildah', [...storage, ...args], { reject: options.reject ?? true, stdin: 'ignore' });
  return {
    work,
    driver,
    podman,
    buildah,
    async importDebian13(image) {
      if (!root) throw new Error('no Debian 13 root');
      await execa('sh', ['-c', 'dir=$1; shift; tar -C "$dir" -c . | podman "$@"', 'import-base', root, ...storage, 'import', '-', image]);
    },
    async close() {
      await buildah(['rm', '--all'], { reject: false });
      await podman(['rmi', '--all', '--force'], { reject: false });
      // A mount left under the storage root would make the removal below reach into an image's files.
      const mounts = readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[1] ?? '')
        .filter((mountPoint) => mountPoint.startsWith(`${work}/`))
        .sort()
        .reverse();
      for (const mountPoint of mounts) await execa('umount', ['-l', mountPoint], { reject: false });
      removeDir(work);
    },
  };
}

/**
 * A node base image without a registry: the Debian 13 image plus this machine's own Node.js binary and its npm
 * (NodeSource's build links only glibc and libstdc++, which Debian 13 has), laid out like the official
 * node image (/usr/local/bin/node, npm beside it) with the same PATH.
 */
export async function makeNodeBaseImage(sandbox: PodmanSandbox, from: string, image: string): Promise<void> {
  const node = realpathSync(process.execPath);
  const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const npmPackage = path.resolve(path.dirname(npmCli), '..');
  if (!existsSync(path.join(npmPackage, 'package.json'))) throw new Error(`cannot find npm's package beside ${npmCli}`);
  const container = String((await sandbox.buildah(['from', '--pull=never', from])).stdout).trim().split('\n').at(-1)!;
  try {
    await sandbox.buildah(['copy', container, node, '/usr/local/bin/node']);
    await sandbox.buildah(['copy', container, npmPackage, '/usr/local/lib/node_modules/npm']);
    await sandbox.buildah([
      'run', '--isolation', 'chroot', container, '--',
      'sh', '-c', 'ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version',
    ]);
    await sandbox.buildah(['config', '--env', `PATH=${IMAGE_PATH}`, container]);
    await sandbox.buildah(['commit', '--format', 'docker', container, image]);
  } finally {
    await sandbox.buildah(['rm', container], { reject: false });
  }
}

export interface SecretRun {
  /** The RUN's `--mount=…` flags exactly as generated. */
  flags: string[];
  /** Its secret mount's options (id, target, required…). */
  secret: Record<string, string>;
  /** Its command, without the flags. */
  command: string;
}

/**
 * A generated Dockerfile made buildable here: every FROM names the local `base`, and the one RUN with a secret
 * mount becomes the lines `rewrite` returns for it (which keep its flags); every other line stays as generated.
 */
export function withLocalBase(text: string, base: string, rewrite: (run: SecretRun) => string[]): string {
  const dockerfile = DockerfileParser.parse(text);
  const lines = text.split('\n');
  for (const from of dockerfile.getFROMs()) {
    const line = from.getRange().start.line;
    lines[line] = lines[line]!.replace(/^FROM \S+/, `FROM ${base}`);
  }
  const runs = dockerfile.getInstructions().filter((instruction) => runMounts(instruction).some((mount) => mount.type === 'secret'));
  if (runs.length !== 1) throw new Error(`expected one RUN with a secret mount, found ${runs.length}`);
  const run = runs[0]!;
  const { start, end } = run.getRange();
  const flags = lines.slice(start.line, end.line + 1).join('\n').match(/--mount=\S+/g) ?? [];
  const command = run.getArgumentsContent();
  if (command === null) throw new Error('the secret-mount RUN has no command');
  const secret = runMounts(run).find((mount) => mount.type === 'secret')!;
  lines.splice(start.line, end.line - start.line + 1, ...rewrite({ flags, secret, command }));
  return lines.join('\n');
}
