/**
 * Where upgrade stages its files and journal: inside the repository's own .git directory when there is one
 * (same filesystem, so the final renames are atomic, and invisible to `git status`), else a dot-directory
 * at the root. Every command that reads a generated repository (diff, upgrade) first finishes a commit an
 * interrupted upgrade left behind.
 */
import type { DiskAdapter } from '../tree/disk.js';
import { completeJournal, type JournalRecovery } from '../tree/journal.js';

const GIT_STAGING_DIR = '.git/secure-stack/upgrade';
const ROOT_STAGING_DIR = '.secure-stack-upgrade';

export function stagingDirectory(disk: DiskAdapter): string {
  return disk.isDirectory('.git') ? GIT_STAGING_DIR : ROOT_STAGING_DIR;
}

/** Rolls an interrupted upgrade forward (or clears staging debris); says which files it completed. */
export function recoverInterruptedUpgrade(disk: DiskAdapter): JournalRecovery {
  const recoveries = [GIT_STAGING_DIR, ROOT_STAGING_DIR].filter((dir) => disk.isDirectory(dir)).map((dir) => completeJournal(disk, dir));
  return {
    completed: recoveries.some((recovery) => recovery.completed),
    paths: recoveries.flatMap((recovery) => recovery.paths),
  };
}
