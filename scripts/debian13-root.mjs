/**
 * Where the Debian 13 (trixie) root that `.ci/debian13-root.sh` builds lives, for the tests that run the
 * generated API on Debian 13's Python packages and for the api benchmark. Plain JavaScript, so that both the
 * TypeScript tests and the bench scripts read it in one way.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** Where `.ci/debian13-root.sh` builds the root unless SECURE_STACK_DEBIAN13_ROOT says otherwise. */
export const DEBIAN13_DEFAULT_ROOT = '/var/cache/secure-stack/debian13';
/** Written by the script inside the root, last, only after the root has been verified. */
export const DEBIAN13_STAMP = '.secure-stack-debian13.stamp';

function isReady(root) {
  return existsSync(path.join(root, DEBIAN13_STAMP));
}

/**
 * The Debian 13 root to use: SECURE_STACK_DEBIAN13_ROOT if it exists and has the stamp, else the default
 * cache path if ready, else undefined. Also undefined when not running as root, since chroot needs it.
 */
export function debian13Root() {
  if (process.getuid?.() !== 0) return undefined;
  const fromEnv = process.env.SECURE_STACK_DEBIAN13_ROOT;
  if (fromEnv && isReady(fromEnv)) return path.resolve(fromEnv);
  if (isReady(DEBIAN13_DEFAULT_ROOT)) return DEBIAN13_DEFAULT_ROOT;
  return undefined;
}
