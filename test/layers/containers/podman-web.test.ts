/**
 * A real build of the generated web/Dockerfile with Debian's podman/buildah (chroot isolation, a private storage
 * root, no container registry): the FROM lines are swapped for a node base image made here from the Debian 13
 * tree and this machine's own Node.js and npm, and the RUN with the .npmrc secret mount keeps its --mount flags
 * as generated, with a check of the mounted secret's content put before its `npm ci`. Everything else runs as
 * written: `npm ci` from the lockfile (the npm registry, through the shared npm cache) and `next build`.
 * Proves: the build fails without the secret and passes with it, the secret's value is in no layer, config or
 * history of the saved image and nowhere in the storage, a copy of it left in the build context stays out
 * (.dockerignore), the image runs as 10001 from the standalone server with no sources, no .env file and no
 * .npmrc, and that server answers the image's own HEALTHCHECK command.
 */
import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir } from '../../support/cli.js';
import { generateProject } from '../../support/project.js';
import { skipOrFail } from '../../support/tools.js';
import { makeNodeBaseImage, missingForImageBuilds, openPodmanSandbox, withLocalBase } from './podman-sandbox.js';

const DEBIAN = 'localhost/secure-stack-test/debian13:base';
const NODE_BASE = 'localhost/secure-stack-test/node:base';
const IMAGE = 'localhost/secure-stack-test/web:test';
/** The npm cache the web layer's tests share, so that `npm ci` in the image reads most packages from disk. */
const NPM_CACHE = process.env.SECURE_STACK_NPM_CACHE ?? '/var/cache/secure-stack/npm';
const TOKEN = `npm_S3cr3t${randomBytes(12).toString('hex')}`;
/** A private registry's token (npm sends it to that host only) and npm settings: what a real .npmrc secret holds. */
const NPMRC = `//npm.example.com/:_authToken=${TOKEN}\nprefer-offline=true\n`;
/** The secret mount's target in the generated Dockerfile. */
const NPMRC_TARGET = '/root/.npmrc';

/** The generated Dockerfile on the local node base, its secret-mount RUN refusing to run unless the secret is there. */
export function offlineWebDockerfile(text: string, secretSha256: string): string {
  return withLocalBase(text, NODE_BASE, ({ flags, secret, command }) => {
    if (secret.target !== NPMRC_TARGET) throw new Error(`the secret is mounted at ${secret.target}, not ${NPMRC_TARGET}`);
    return [`RUN ${flags.join(' ')} \\`, `    test "$(sha256sum < ${NPMRC_TARGET} | cut -d' ' -f1)" = ${secretSha256} \\`, `    && ${command}`];
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('podman build of the generated web image', () => {
  it('builds next with the .npmrc secret mount, leaves the secret in no layer, and serves as 10001 without sources', async (context) => {
    const missing = missingForImageBuilds();
    if (missing.length > 0) {
      skipOrFail(context, `needs ${missing.join(', ')}`);
      return;
    }
    const registry = await execa('npm', ['ping'], { reject: false, timeout: 30_000, stdin: 'ignore' });
    if (registry.exitCode !== 0) {
      skipOrFail(context, 'the npm registry is unreachable (npm ci in the image installs next from it)');
      return;
    }
    const timings: Record<string, number> = {};
    const timed = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await run();
      } finally {
        timings[label] = Date.now() - started;
      }
    };
    const sandbox = await openPodmanSandbox('secure-stack-podman-web-');
    const { podman, buildah, work } = sandbox;
    const project = await generateProject({ layers: ['web', 'containers'] });
    try {
      await timed('base images', async () => {
        await sandbox.importDebian13(DEBIAN);
        await makeNodeBaseImage(sandbox, DEBIAN, NODE_BASE);
      });

      const buildContext = path.join(project.dir, 'web');
      const dockerfile = path.join(work, 'Dockerfile');
      writeFileSync(dockerfile, offlineWebDockerfile(readFileSync(path.join(buildContext, 'Dockerfile'), 'utf8'), createHash('sha256').update(NPMRC).digest('hex')));
      // Copies of the secret where a careless build would pick them up: .dockerignore must keep both out.
      mkdirSync(path.join(buildContext, 'secrets'), { recursive: true });
      writeFileSync(path.join(buildContext, 'secrets', 'npmrc'), NPMRC);
      writeFileSync(path.join(buildContext, '.env.local'), `NPM_TOKEN=${TOKEN}\n`);
      const secretFile = path.join(work, 'npmrc');
      writeFileSync(secretFile, NPMRC, { mode: 0o600 });
      mkdirSync(NPM_CACHE, { recursive: true });
      const build = (extra: string[]) =>
        podman(['build', '--isolation=chroot', '--pull=never', '--format', 'docker', '--volume', `${NPM_CACHE}:/root/.npm`, '-f', dockerfile, ...extra, '-t', IMAGE, buildContext], { reject: false });

      // Without the secret the RUN that reads it fails: the mount really is what the step gets.
      const without = await timed('build without the secret', () => build(['--no-cache']));
      expect(without.exitCode).not.toBe(0);
      expect(String(without.stderr) + String(without.stdout)).toContain(`cannot open ${NPMRC_TARGET}: No such file`);

      const built = await timed('build', () => build(['--secret', `id=npmrc,src=${secretFile}`]));
      expect(built.exitCode, String(built.stderr).slice(-3000)).toBe(0);
      expect(String(built.stderr) + String(built.stdout)).not.toContain(TOKEN);
      expect(String(built.stdout)).toMatch(/Compiled successfully|Generating static pages/);

      // The token is in no layer, no config, no history of the saved image, and nowhere in the storage.
      await timed('secret search', async () => {
        const archive = path.join(work, 'image.tar');
        const unpacked = path.join(work, 'unpacked');
        await podman(['save', '--format', 'docker-archive', '-o', archive, IMAGE]);
        mkdirSync(unpacked);
        await execa('tar', ['-xf', archive, '-C', unpacked]);
        const layers = await execa('sh', ['-c', 'find "$1" -name "*.tar" | wc -l', 'count', unpacked]);
        expect(Number(String(layers.stdout).trim())).toBeGreaterThanOrEqual(2);
        const inLayers = await execa('sh', ['-c', 'for layer in $(find "$1" -name "*.tar"); do tar -xOf "$layer"; done | grep -a -c -F "$2" || true', 'search', unpacked, TOKEN]);
        expect(String(inLayers.stdout).trim()).toBe('0');
        const inConfigs = await execa('grep', ['-r', '-a', '-l', '-F', TOKEN, unpacked], { reject: false });
        expect(inConfigs.stdout).toBe('');
        const inStorage = await execa('grep', ['-r', '-a', '-l', '-F', TOKEN, path.join(work, 'storage')], { reject: false });
        expect(inStorage.stdout).toBe('');
        const history = await podman(['history', '--no-trunc', '--format', '{{.CreatedBy}}', IMAGE]);
        expect(String(history.stdout)).not.toContain(TOKEN);
      });

      const inspect = JSON.parse(String((await podman(['image', 'inspect', IMAGE])).stdout))[0];
      expect(inspect.Config.User).toBe('10001:10001');
      expect(inspect.Config.Cmd).toEqual(['node', 'server.js']);
      expect(inspect.Config.WorkingDir).toBe('/app');
      expect(Object.keys(inspect.Config.ExposedPorts ?? {})).toEqual(['3000/tcp']);
      const health: string[] | undefined = (inspect.Config.Healthcheck ?? inspect.HealthCheck ?? inspect.Healthcheck)?.Test;
      expect(health?.[0]).toBe('CMD');
      expect(inspect.Config.Env).not.toEqual(expect.arrayContaining([expect.stringMatching(/TOKEN|PASSWORD|SECRET|npm_S3cr3t/)]));

      const container = String((await buildah(['from', '--pull=never', IMAGE])).stdout).trim().split('\n').at(-1)!;
      const inImage = (script: string, args: string[] = [], env: string[] = []) =>
        buildah(['run', '--isolation', 'chroot', ...env.flatMap((entry) => ['--env', entry]), container, '--', 'sh', '-c', script, 'in-image', ...args], { reject: false });

      const id = await inImage('id -u; id -g');
      expect(String(id.stdout).trim().split('\n')).toEqual(['10001', '10001']);
      // Only the standalone output: server, traced node_modules, compiled .next, public. No app/, lib/, sources,
      // .env file, tests or dev dependencies; no .npmrc anywhere and no npm cache.
      const top = await inImage('ls -A /app');
      expect(String(top.stdout).trim().split('\n').sort()).toEqual(['.next', 'node_modules', 'package.json', 'public', 'server.js']);
      const sources = await inImage('find /app -path /app/node_modules -prune -o \\( -name "*.ts" -o -name "*.tsx" -o -name ".env*" -o -name "*.test.*" \\) -print');
      expect(sources.exitCode).toBe(0);
      expect(String(sources.stdout).trim()).toBe('');
      const leftovers = await inImage('find / -xdev \\( -name .npmrc -o -path /root/.npm -o -path /app/secrets -o -path /app/node_modules/typescript \\) -print 2>/dev/null; true');
      expect(String(leftovers.stdout).trim()).toBe('');
      const serverFile = await inImage('test -f /app/server.js && test -f /app/.next/BUILD_ID && test -d /app/.next/static && test -f /app/node_modules/next/package.json');
      expect(serverFile.exitCode).toBe(0);
      const write = await inImage('touch /app/server.js');
      expect(write.exitCode).not.toBe(0);

      // The standalone server starts as 10001 with the settings compose gives it, and the image's own HEALTHCHECK
      // command (on this run's port: the build sandbox shares the host's network) reports it healthy.
      const port = await freePort();
      const probe = health!.slice(1).map((arg) => arg.replace('127.0.0.1:3000/', `127.0.0.1:${port}/`));
      expect(probe.join(' ')).toContain(`127.0.0.1:${port}/api/health`);
      const served = await timed('server start', () =>
        inImage(
          'node server.js > /tmp/server.log 2>&1 & server=$!; for _ in $(seq 1 100); do if "$@"; then kill "$server"; exit 0; fi; sleep 0.2; done; kill "$server"; cat /tmp/server.log; exit 1',
          probe,
          [
            `PORT=${port}`,
            'HOSTNAME=127.0.0.1',
            `APP_ORIGIN=http://127.0.0.1:${port}`,
            'API_BASE_URL=https://api.example.com',
            'OIDC_ISSUER=https://idp.example.com/',
            'OIDC_CLIENT_ID=demo-app',
            'OIDC_CLIENT_SECRET=client-secret-for-the-test',
            `SESSION_SECRET=${randomBytes(32).toString('hex')}`,
          ],
        ),
      );
      expect(served.exitCode, String(served.stdout) + String(served.stderr)).toBe(0);
      console.info(`podman web image (${sandbox.driver} storage): ${Object.entries(timings).map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
    } finally {
      await sandbox.close();
      removeDir(project.dir);
    }
  }, 300_000);
});
