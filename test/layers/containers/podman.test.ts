/**
 * A real build of the generated api/Dockerfile with Debian's podman/buildah (chroot isolation, a private
 * storage root, no registry; see podman-sandbox.ts): the FROM lines are swapped for a local base image imported
 * from the Debian 13 tree of .ci/debian13-root.sh, and the pip step (which needs an index) for a stand-in that
 * checks the secret mount's content and builds the venv from Debian's packages, keeping the RUN's --mount flags
 * as generated.
 * Proves: the build secret is there during its RUN and fails the build when absent, its value is in no layer
 * of the saved image and nowhere in the storage, and the image runs as 10001 with its healthcheck and exec CMD.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir } from '../../support/cli.js';
import { generateProject } from '../../support/project.js';
import { skipOrFail } from '../../support/tools.js';
import { missingForImageBuilds, openPodmanSandbox, withLocalBase } from './podman-sandbox.js';

const BASE = 'localhost/secure-stack-test/python:base';
const IMAGE = 'localhost/secure-stack-test/api:test';
const SECRET = `[global]\nindex-url = https://ci:S3cr3t-${createHash('sha256').update(String(process.pid)).digest('hex').slice(0, 16)}@pypi.example.com/simple/\n`;
const SECRET_MARKER = SECRET.split(':')[2]!.split('@')[0]!; // the token alone

/** The generated Dockerfile on the local base, with an offline stand-in for the pip command of the secret-mount RUN. */
export function offlineDockerfile(text: string): string {
  const digest = createHash('sha256').update(SECRET).digest('hex');
  return withLocalBase(text, BASE, ({ flags, secret }) => [
    `RUN ${flags.join(' ')} \\`,
    `    test "$(sha256sum < ${secret.target} | cut -d' ' -f1)" = ${digest} \\`,
    '    && python3 -m venv --without-pip --system-site-packages /opt/venv \\',
    `    && cp -r app "$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/"`,
  ]);
}

describe('podman build of the generated api image', () => {
  it('builds with the secret mount, leaves the secret in no layer, and runs as 10001', async (context) => {
    const missing = missingForImageBuilds();
    if (missing.length > 0) {
      skipOrFail(context, `needs ${missing.join(', ')}`);
      return;
    }
    const sandbox = await openPodmanSandbox('secure-stack-podman-');
    const { podman, buildah, work } = sandbox;
    const project = await generateProject({ layers: ['api', 'db', 'containers'] });
    try {
      await sandbox.importDebian13(BASE);

      const context_ = path.join(project.dir, 'api');
      const dockerfile = path.join(work, 'Dockerfile');
      writeFileSync(dockerfile, offlineDockerfile(readFileSync(path.join(context_, 'Dockerfile'), 'utf8')));
      // A stray copy of the secret in the build context must not reach the image either (.dockerignore: *.key, secrets).
      mkdirSync(path.join(context_, 'secrets'), { recursive: true });
      writeFileSync(path.join(context_, 'secrets', 'pip.conf'), SECRET);
      const secretFile = path.join(work, 'pip.conf');
      writeFileSync(secretFile, SECRET, { mode: 0o600 });
      const build = (extra: string[]) =>
        podman(['build', '--isolation=chroot', '--pull=never', '--format', 'docker', '-f', dockerfile, ...extra, '-t', IMAGE, context_], { reject: false });

      // Without the secret the RUN that needs it fails: the mount really is what the step reads.
      const without = await build(['--no-cache']);
      expect(without.exitCode).not.toBe(0);

      const built = await build(['--secret', `id=pip_conf,src=${secretFile}`]);
      expect(String(built.stderr) + String(built.stdout)).not.toContain(SECRET_MARKER);
      expect(built.exitCode, String(built.stderr)).toBe(0);

      // The secret's token is in no layer, no config, no history of the saved image, and nowhere in the storage.
      const archive = path.join(work, 'image.tar');
      await podman(['save', '--format', 'docker-archive', '-o', archive, IMAGE]);
      const tarList = await execa('tar', ['-tf', archive]);
      expect(String(tarList.stdout).split('\n').length).toBeGreaterThan(2);
      const inArchive = await execa('sh', ['-c', 'mkdir -p "$2" && tar -xf "$1" -C "$2" && for layer in $(find "$2" -name "*.tar"); do tar -xOf "$layer"; done | grep -a -c -F "$3" || true', 'search', archive, path.join(work, 'unpacked'), SECRET_MARKER]);
      expect(String(inArchive.stdout).trim()).toBe('0');
      const inConfigs = await execa('grep', ['-r', '-a', '-l', '-F', SECRET_MARKER, path.join(work, 'unpacked')], { reject: false });
      expect(inConfigs.stdout).toBe('');
      const inStorage = await execa('grep', ['-r', '-a', '-l', '-F', SECRET_MARKER, path.join(work, 'storage')], { reject: false });
      expect(inStorage.stdout).toBe('');
      const history = await podman(['history', '--no-trunc', '--format', '{{.CreatedBy}}', IMAGE]);
      expect(String(history.stdout)).not.toContain(SECRET_MARKER);

      const inspect = JSON.parse(String((await podman(['image', 'inspect', IMAGE])).stdout))[0];
      expect(inspect.Config.User).toBe('10001:10001');
      expect(inspect.Config.Cmd[0]).toBe('/opt/venv/bin/python');
      const health = inspect.Config.Healthcheck ?? inspect.HealthCheck ?? inspect.Healthcheck;
      expect(health?.Test?.[0], JSON.stringify(Object.keys(inspect))).toBe('CMD');
      expect(inspect.Config.Env).not.toEqual(expect.arrayContaining([expect.stringMatching(/TOKEN|PASSWORD|SECRET/)]));

      // podman run needs a runtime this sandbox lacks; buildah run with chroot isolation runs as the image's user.
      const container = String((await buildah(['from', '--pull=never', IMAGE])).stdout).trim().split('\n').at(-1)!;
      const id = await buildah(['run', '--isolation', 'chroot', container, '--', 'id', '-u']);
      expect(String(id.stdout).trim()).toBe('10001');
      const imports = await buildah(['run', '--isolation', 'chroot', container, '--', '/opt/venv/bin/python', '-c', 'import app.security.tokens, app.factory; print("ok")']);
      expect(String(imports.stdout).trim()).toBe('ok');
      const write = await buildah(['run', '--isolation', 'chroot', container, '--', 'sh', '-c', 'touch /opt/venv/x'], { reject: false });
      expect(write.exitCode).not.toBe(0);
    } finally {
      await sandbox.close();
      removeDir(project.dir);
    }
  }, 300_000);
});
