/**
 * The files git tracks, so that `add` never adds an ignore pattern that would hide one of them (discovery
 * skips build output folders by name, but a repository may commit its `build/` or `dist/`).
 */
import { execa } from 'execa';
import { gitEnvironment } from './git.js';

/** Tracked paths relative to `root` (empty outside a repository or without git). */
export async function trackedFiles(root: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const result = await execa('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', 'ls-files', '-z', '--full-name', '--', '.'], {
    cwd: root,
    env: gitEnvironment(env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.exitCode !== 0) return [];
  const prefix = await execa('git', ['rev-parse', '--show-prefix'], { cwd: root, env: gitEnvironment(env), extendEnv: false, reject: false, stdin: 'ignore' });
  const inside = prefix.exitCode === 0 ? String(prefix.stdout).trim() : '';
  return String(result.stdout)
    .split('\0')
    .filter((file) => file !== '' && file.startsWith(inside))
    .map((file) => file.slice(inside.length));
}
