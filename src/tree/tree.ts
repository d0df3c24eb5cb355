/**
 * The virtual Tree every command writes through: an in-memory overlay (memfs) over a real directory.
 * Reads fall through to disk; writes stay in memory until commit(). Because the plan is computed by
 * comparing memory with disk, dry-run, idempotency ("a second run changes nothing") and the
 * CREATE/UPDATE/UNCHANGED report come from one place.
 */
import { Volume } from 'memfs';
import { DiskAdapter } from './disk.js';
import { toSafeRelativePath } from './paths.js';

export type ChangeKind = 'CREATE' | 'UPDATE' | 'UNCHANGED';

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

  constructor(readonly disk: DiskAdapter) {}

  get root(): string {
    return this.disk.root;
  }

  read(filePath: string): Buffer | undefined {
    const safe = toSafeRelativePath(filePath);
    if (this.written.has(safe)) return this.memory.readFileSync(`/${safe}`) as Buffer;
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
    return this.writtenPaths().map((filePath) => {
      const content = this.memory.readFileSync(`/${filePath}`) as Buffer;
      const executable = this.isExecutable(filePath);
      const onDisk = this.disk.readFile(filePath);
      let kind: ChangeKind = 'CREATE';
      if (onDisk !== undefined) {
        kind = onDisk.equals(content) && this.disk.isExecutable(filePath) === executable ? 'UNCHANGED' : 'UPDATE';
      }
      return { path: filePath, kind, executable, bytes: content.length };
    });
  }

  /** Writes every CREATE and UPDATE to disk, each file atomically; returns the plan it carried out. */
  commit(): PlannedFile[] {
    const plan = this.plan();
    for (const file of plan) {
      if (file.kind === 'UNCHANGED') continue;
      this.disk.writeFileAtomic(file.path, this.memory.readFileSync(`/${file.path}`) as Buffer, file.executable);
    }
    return plan;
  }
}

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
