/**
 * The virtual Tree every command writes through: an in-memory overlay (memfs) over a real directory.
 * Reads fall through to disk; writes stay in memory until commit(). Because the plan is computed by
 * comparing memory with disk, dry-run, idempotency ("a second run changes nothing") and the
 * CREATE/UPDATE/UNCHANGED report come from one place.
 */
import { Volume } from 'memfs';
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

export class Tree {
  private readonly memory = new Volume();
  private readonly written = new Set<string>();
  /** Paths removed in memory; commit() deletes them from disk. */
  private readonly deleted = new Set<string>();

  constructor(readonly disk: DiskAdapter) {}

  get root(): string {
    return this.disk.root;
  }

  read(filePath: string): Buffer | undefined {
    const safe = toSafeRelativePath(filePath);
    if (this.written.has(safe)) return this.memory.readFileSync(`/${safe}`) as Buffer;
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
    const memoryPath = `/${safe}`;
    this.memory.mkdirSync(memoryPath.slice(0, memoryPath.lastIndexOf('/')) || '/', { recursive: true });
    this.memory.writeFileSync(memoryPath, content);
    this.memory.chmodSync(memoryPath, options.executable ? 0o755 : 0o644);
    this.written.add(safe);
    this.deleted.delete(safe);
  }

  /** Removes a file in memory; commit() deletes it from disk (a file that is not on disk is no change). */
  delete(filePath: string): void {
    const safe = toSafeRelativePath(filePath);
    if (this.written.delete(safe)) this.memory.unlinkSync(`/${safe}`);
    this.deleted.add(safe);
  }

  /** Paths written in memory, sorted. */
  writtenPaths(): string[] {
    return [...this.written].sort(comparePaths);
  }

  isExecutable(filePath: string): boolean {
    const safe = toSafeRelativePath(filePath);
    if (this.written.has(safe)) return (Number(this.memory.statSync(`/${safe}`).mode) & 0o111) !== 0;
    return this.disk.isExecutable(safe);
  }

  /** What commit() would do, file by file, without doing it. */
  plan(): PlannedFile[] {
    const writes = this.writtenPaths().map((filePath): PlannedFile => {
      const content = this.memory.readFileSync(`/${filePath}`) as Buffer;
      const executable = this.isExecutable(filePath);
      const onDisk = this.disk.readFile(filePath);
      let kind: ChangeKind = 'CREATE';
      if (onDisk !== undefined) {
        kind = onDisk.equals(content) && this.disk.isExecutable(filePath) === executable ? 'UNCHANGED' : 'UPDATE';
      }
      return { path: filePath, kind, executable, bytes: content.length };
    });
    const deletions = [...this.deleted]
      .filter((filePath) => this.disk.readFile(filePath) !== undefined)
      .map((filePath): PlannedFile => ({ path: filePath, kind: 'DELETE', executable: false, bytes: 0 }));
    return [...writes, ...deletions].sort((a, b) => comparePaths(a.path, b.path));
  }

  /** Writes every CREATE and UPDATE to disk, each file atomically, and removes every DELETE; returns the plan it carried out. */
  commit(): PlannedFile[] {
    const plan = this.plan();
    for (const file of plan) {
      if (file.kind === 'UNCHANGED') continue;
      if (file.kind === 'DELETE') this.disk.removeFile(file.path);
      else this.disk.writeFileAtomic(file.path, this.memory.readFileSync(`/${file.path}`) as Buffer, file.executable);
    }
    return plan;
  }

  /**
   * commit() for a change that must land whole or not at all across files (upgrade): every new content is
   * staged first, then a journal lists the renames, then the renames run, then the journal goes. A run killed
   * before the journal exists changed nothing; one killed after is finished by completeJournal().
   */
  commitAtomically(options: JournalOptions): PlannedFile[] {
    const plan = this.plan();
    commitWithJournal(
      this.disk,
      plan
        .filter((file) => file.kind !== 'UNCHANGED')
        .map((file) =>
          file.kind === 'DELETE'
            ? { path: file.path, delete: true as const }
            : { path: file.path, content: this.memory.readFileSync(`/${file.path}`) as Buffer, executable: file.executable },
        ),
      options,
    );
    return plan;
  }
}

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
