/**
 * Crash-safe multi-file commits: stage, journal, rename, forget.
 *
 * 1. Every new content is written (each atomically) into a staging directory inside the root, so that the
 *    later rename(2) stays on one filesystem and is atomic.
 * 2. A journal listing every operation is written atomically: from this instant the change is decided.
 * 3. Each staged file is renamed over its target and each deleted file removed.
 * 4. The journal and the staging directory are removed.
 *
 * Killed before step 2, the repository is untouched (the staging directory is debris that the next run
 * removes). Killed after, completeJournal() replays the operations: a rename whose staged file is gone was
 * done already, a removal of a missing file is done already, so replaying is idempotent (roll forward).
 */
import * as v from 'valibot';
import { mapping, nonEmptyString, validOrThrow } from '../config/validation.js';
import { SecureStackError } from '../errors.js';
import type { DiskAdapter } from './disk.js';
import { toSafeRelativePath } from './paths.js';

export const JOURNAL_FILE = 'journal.json';
const JOURNAL_VERSION = 1;

export interface JournalOptions {
  /** Root-relative directory that holds the staged files and the journal; created and removed here. */
  stagingDir: string;
  /** Paths applied after every other operation (the manifest: it says the change is complete). */
  applyLast?: readonly string[];
  /**
   * Test-only (the kill tests): sleep this long before each rename or removal, to widen the window in which
   * a SIGKILL lands mid-commit. Never set in normal use.
   */
  pauseBetweenOperationsMs?: number;
}

export type JournalChange = { path: string; delete: true } | { path: string; content: Buffer; executable: boolean };

const operationSchema = v.variant('action', [
  v.strictObject({ action: v.literal('replace'), path: nonEmptyString, staged: nonEmptyString }),
  v.strictObject({ action: v.literal('delete'), path: nonEmptyString }),
]);
const journalSchema = mapping(v.strictObject({ version: v.literal(JOURNAL_VERSION), operations: v.array(operationSchema) }));
type JournalOperation = v.InferOutput<typeof operationSchema>;

/** A journal that cannot be read or that names paths outside its staging area: never replayed blindly. */
export class JournalError extends SecureStackError {
  constructor(message: string) {
    super(message, 1);
  }
}

export function commitWithJournal(disk: DiskAdapter, changes: readonly JournalChange[], options: JournalOptions): void {
  const stagingDir = toSafeRelativePath(options.stagingDir);
  const last = new Set((options.applyLast ?? []).map((filePath) => toSafeRelativePath(filePath)));
  const ordered = [...changes.filter((change) => !last.has(change.path)), ...changes.filter((change) => last.has(change.path))];
  if (ordered.length === 0) return;

  if (disk.readFile(`${stagingDir}/${JOURNAL_FILE}`) !== undefined) {
    // Never overwrite a pending journal: it is the only record of a half-done commit (completeJournal() first).
    throw new JournalError(`${stagingDir}/${JOURNAL_FILE}: an interrupted commit is pending; complete it before starting another`);
  }
  disk.removeDirectory(stagingDir); // debris of a run killed while staging
  const operations: JournalOperation[] = ordered.map((change, index) => {
    if ('delete' in change) return { action: 'delete', path: toSafeRelativePath(change.path) };
    const staged = `${stagingDir}/files/${index}`;
    disk.writeFileAtomic(staged, change.content, change.executable);
    return { action: 'replace', path: toSafeRelativePath(change.path), staged };
  });
  const journal = `${JSON.stringify({ version: JOURNAL_VERSION, operations }, null, 2)}\n`;
  disk.writeFileAtomic(`${stagingDir}/${JOURNAL_FILE}`, Buffer.from(journal, 'utf8'), false);
  applyOperations(disk, stagingDir, operations, options.pauseBetweenOperationsMs ?? 0);
}

export interface JournalRecovery {
  /** A journal was found and its operations carried out. */
  completed: boolean;
  /** The paths the journal named. */
  paths: string[];
}

/**
 * Finishes a commit a killed run left half done (roll forward), or removes staging debris of a run killed
 * before its journal existed. Call before reading the repository.
 */
export function completeJournal(disk: DiskAdapter, stagingDirInput: string): JournalRecovery {
  const stagingDir = toSafeRelativePath(stagingDirInput);
  if (!disk.isDirectory(stagingDir)) return { completed: false, paths: [] };
  const text = disk.readFile(`${stagingDir}/${JOURNAL_FILE}`);
  if (text === undefined) {
    disk.removeDirectory(stagingDir);
    return { completed: false, paths: [] };
  }
  let operations: JournalOperation[];
  try {
    operations = validOrThrow(journalSchema, JSON.parse(text.toString('utf8'))).operations;
  } catch (error) {
    throw new JournalError(`${stagingDir}/${JOURNAL_FILE} is unreadable (${(error as Error).message.split('\n')[0]}); inspect it, then remove ${stagingDir}`);
  }
  for (const operation of operations) {
    toSafeRelativePath(operation.path);
    if (operation.action === 'replace' && !toSafeRelativePath(operation.staged).startsWith(`${stagingDir}/files/`)) {
      throw new JournalError(`${stagingDir}/${JOURNAL_FILE} names a staged file outside ${stagingDir}: ${operation.staged}`);
    }
  }
  applyOperations(disk, stagingDir, operations, 0);
  return { completed: true, paths: operations.map((operation) => operation.path) };
}

function applyOperations(disk: DiskAdapter, stagingDir: string, operations: readonly JournalOperation[], pauseMs: number): void {
  for (const operation of operations) {
    if (pauseMs > 0) sleepSync(pauseMs);
    if (operation.action === 'delete') disk.removeFile(operation.path);
    // A staged file that is gone was renamed by the run that wrote the journal, before it was interrupted.
    else if (disk.readFile(operation.staged) !== undefined) disk.renameFile(operation.staged, operation.path);
  }
  disk.removeFile(`${stagingDir}/${JOURNAL_FILE}`);
  disk.removeDirectory(stagingDir);
}

function sleepSync(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}
