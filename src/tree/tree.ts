/**
 * The virtual Tree every command writes through: an in-memory overlay over a real directory (a map of path →
 * bytes and mode: the overlay needs no more of a filesystem, and memfs cost `new` tens of milliseconds to load).
 * Reads fall through to disk; writes stay in memory until commit(). Because the plan is computed by
 * comparing memory with disk, dry-run, idempotency ("a second run changes nothing") and the
 * CREATE/UPDATE/UNCHANGED report come from one place.
 */
import { RenderError } from '../errors.js';
import { DiskAdapter } from './disk.js';
import { commitWithJournal, type JournalOptions } from './journal.js';
import { toSafeRelativePath } from './paths.js';

export type ChangeKind = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNCHANGED';

export interface PlannedFile {
  path: string;
  kind: ChangeKind;
  executable: boolean;
  bytes: number;
}

export interface WriteOptions {
  executable?: boolean;
}

interface MemoryFile {
  content: Buffer;
  executable: boolean;
}

export class Tree {
  /** Files written in memory, by safe relative path. */
  private readonly memory = new Map<string, MemoryFile>();
  /** Paths removed in memory; commit() deletes them from disk. */
  private readonly deleted = new Set<string>();
  /** The last plan, until the next write or delete: `new` shows it and commits it without reading the disk twice. */
  private planned: PlannedFile[] | undefined;

  constructor(readonly disk: DiskAdapter) {}

  get root(): string {
    return this.disk.root;
  }

  read(filePath: string): Buffer | undefined {
    const safe = toSafeRelativePath(filePath);
    const written = this.memory.get(safe);
    if (written !== undefined) return Buffer.from(written.content);
    if (this.deleted.has(safe)) return undefined;
    return this.disk.readFile(safe);
  }

  readText(filePath: string): string | undefined {
    return this.read(filePath)?.toString('utf8');
  }

  exists(filePath: string): boolean {
    return this.read(filePath) !== undefined;
  }

  write(filePath: string, content: string | Buffer, options: WriteOptions = {}): void {
    const safe = toSafeRelativePath(filePath);
    this.refuseFileDirectoryClash(safe);
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    this.memory.set(safe, { content: bytes, executable: options.executable ?? false });
    this.deleted.delete(safe);
    this.planned = undefined;
  }

  /** A path cannot be a file and a directory at once: the disk would refuse it at commit, so memory does now. */
  private refuseFileDirectoryClash(safe: string): void {
    for (let slash = safe.indexOf('/'); slash !== -1; slash = safe.indexOf('/', slash + 1)) {
      if (this.memory.has(safe.slice(0, slash))) throw new RenderError(`cannot write ${safe}: ${safe.slice(0, slash)} is a file`);
    }
    const below = `${safe}/`;
    for (const existing of this.memory.keys()) {
      if (existing.startsWith(below)) throw new RenderError(`cannot write ${safe}: it is a directory holding ${existing}`);
    }
  }

  /** Removes a file in memory; commit() deletes it from disk (a file that is not on disk is no change). */
  delete(filePath: string): void {
    const safe = toSafeRelativePath(filePath);
    this.memory.delete(safe);
    this.deleted.add(safe);
    this.planned = undefined;
  }

  /** Paths written in memory, sorted. */
  writtenPaths(): string[] {
    return [...this.memory.keys()].sort(comparePaths);
  }

  isExecutable(filePath: string): boolean {
    const safe = toSafeRelativePath(filePath);
    const written = this.memory.get(safe);
    if (written !== undefined) return written.executable;
    return this.disk.isExecutable(safe);
  }

  /** What commit() would do, file by file, without doing it. */
  plan(): PlannedFile[] {
    this.planned ??= this.computePlan();
    return this.planned.map((file) => ({ ...file }));
  }

  private computePlan(): PlannedFile[] {
    // A root that does not exist yet (`new` into a fresh folder) holds nothing to compare with.
    const rootMissing = this.disk.rootState() === 'missing';
    const writes = this.writtenPaths().map((filePath): PlannedFile => {
      const { content, executable } = this.memory.get(filePath)!;
      const onDisk = rootMissing ? undefined : this.disk.readFile(filePath);
      let kind: ChangeKind = 'CREATE';
      if (onDisk !== undefined) {
        kind = onDisk.equals(content) && this.disk.isExecutable(filePath) === executable ? 'UNCHANGED' : 'UPDATE';
      }
      return { path: filePath, kind, executable, bytes: content.length };
    });
    const deletions = [...this.deleted]
      .filter((filePath) => !rootMissing && this.disk.readFile(filePath) !== undefined)
      .map((filePath): PlannedFile => ({ path: filePath, kind: 'DELETE', executable: false, bytes: 0 }));
    return [...writes, ...deletions].sort((a, b) => comparePaths(a.path, b.path));
  }

  /**
   * Writes every CREATE and UPDATE to disk and removes every DELETE; returns the plan it carried out. Each file
   * is written atomically (temporary file, rename; an UPDATE's data fsync'd first), the files staged as one
   * batch (DiskAdapter.writeFilesAtomic), so nothing is replaced unless every file could be staged.
   */
  async commit(): Promise<PlannedFile[]> {
    const plan = this.plan();
    this.planned = undefined; // after a commit, or a failed one, the disk is to be read again
    await this.disk.writeFilesAtomic(
      plan
        .filter((file) => file.kind === 'CREATE' || file.kind === 'UPDATE')
        .map((file) => ({ path: file.path, content: this.memory.get(file.path)!.content, executable: file.executable, replaces: file.kind === 'UPDATE' })),
    );
    for (const file of plan) if (file.kind === 'DELETE') this.disk.removeFile(file.path);
    return plan;
  }

  /**
   * commit() for a change that must land whole or not at all across files (upgrade): every new content is
   * staged first, then a journal lists the renames, then the renames run, then the journal goes. A run killed
   * before the journal exists changed nothing; one killed after is finished by completeJournal().
   */
  commitAtomically(options: JournalOptions): PlannedFile[] {
    const plan = this.plan();
    this.planned = undefined;
    commitWithJournal(
      this.disk,
      plan
        .filter((file) => file.kind !== 'UNCHANGED')
        .map((file) =>
          file.kind === 'DELETE'
            ? { path: file.path, delete: true as const }
            : { path: file.path, content: this.memory.get(file.path)!.content, executable: file.executable },
        ),
      options,
    );
    return plan;
  }
}

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
