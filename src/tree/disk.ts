/**
 * The only module in src/ that touches the real filesystem. Everything else reads and writes through
 * the Tree (for a target repository) or through these narrow, root-confined helpers (for the tool's
 * own templates and presets, and for user-supplied answer and preset files).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PathEscapeError, UsageError } from '../errors.js';
import { toSafeRelativePath } from './paths.js';

export interface DiskEntry {
  /** POSIX path relative to the listed root. */
  path: string;
  executable: boolean;
}

export type TargetState = 'missing' | 'empty' | 'non-empty' | 'not-a-directory';

/** A filesystem rooted at one directory. Paths given to it are relative, POSIX, and never leave the root. */
export class DiskAdapter {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Absolute path for a relative one, after checking that no existing ancestor is a symlink. */
  private resolveInside(relativePath: string): string {
    const safe = toSafeRelativePath(relativePath);
    let current = this.root;
    for (const segment of safe.split('/')) {
      current = path.join(current, segment);
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(current);
      } catch {
        break; // the rest does not exist yet: nothing below can be a symlink
      }
      if (stat.isSymbolicLink()) {
        throw new PathEscapeError(`refusing ${safe}: ${path.relative(this.root, current)} is a symbolic link`);
      }
    }
    return path.join(this.root, safe);
  }

  readFile(relativePath: string): Buffer | undefined {
    const absolute = this.resolveInside(relativePath);
    try {
      const stat = fs.statSync(absolute);
      if (!stat.isFile()) return undefined;
      return fs.readFileSync(absolute);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  isExecutable(relativePath: string): boolean {
    try {
      return (fs.statSync(this.resolveInside(relativePath)).mode & 0o111) !== 0;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Every regular file under `relativeDir` (recursively), sorted, with its executable bit. */
  listFiles(relativeDir = ''): DiskEntry[] {
    const start = relativeDir === '' ? this.root : this.resolveInside(relativeDir);
    const found: DiskEntry[] = [];
    const walk = (absoluteDir: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(absoluteDir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const absolute = path.join(absoluteDir, entry.name);
        if (entry.isDirectory()) walk(absolute);
        else if (entry.isFile()) {
          found.push({
            path: path.relative(this.root, absolute).split(path.sep).join('/'),
            executable: (fs.statSync(absolute).mode & 0o111) !== 0,
          });
        }
      }
    };
    walk(start);
    return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** What the root itself is: the `new` command refuses a non-empty target unless told otherwise. */
  rootState(): TargetState {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(this.root);
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw error;
    }
    if (!stat.isDirectory()) return 'not-a-directory';
    return fs.readdirSync(this.root).length === 0 ? 'empty' : 'non-empty';
  }

  /**
   * Writes one file atomically: a temporary file in the same directory, then rename(2) over the target,
   * so a reader never sees half a file and a crash never leaves one.
   */
  writeFileAtomic(relativePath: string, content: Buffer, executable: boolean): void {
    const absolute = this.resolveInside(relativePath);
    this.makeDirectoryInside(path.posix.dirname(toSafeRelativePath(relativePath)));
    const temporary = path.join(
      path.dirname(absolute),
      `.${path.basename(absolute)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    const mode = executable ? 0o755 : 0o644;
    try {
      const fd = fs.openSync(temporary, 'wx', mode);
      try {
        fs.writeFileSync(fd, content);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.chmodSync(temporary, mode); // the umask may have narrowed the mode given to open()
      this.resolveInside(relativePath); // re-check: an ancestor may have become a symlink meanwhile
      fs.renameSync(temporary, absolute);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw error;
    }
  }

  private makeDirectoryInside(relativeDir: string): void {
    if (relativeDir === '.' || relativeDir === '') {
      fs.mkdirSync(this.root, { recursive: true });
      return;
    }
    let current = this.root;
    fs.mkdirSync(current, { recursive: true });
    for (const segment of toSafeRelativePath(relativeDir).split('/')) {
      current = path.join(current, segment);
      try {
        const stat = fs.lstatSync(current);
        if (stat.isSymbolicLink()) {
          throw new PathEscapeError(`refusing to write through symbolic link ${path.relative(this.root, current)}`);
        }
        if (!stat.isDirectory()) {
          throw new PathEscapeError(`cannot create directory ${path.relative(this.root, current)}: a file is in the way`);
        }
      } catch (error) {
        if (!isMissing(error)) throw error;
        fs.mkdirSync(current);
      }
    }
  }
}

/** Reads a file the user named on the command line (an answers file, a preset). */
export function readUserFile(filePath: string, what: string): { absolutePath: string; text: string } {
  const absolutePath = path.resolve(filePath);
  try {
    return { absolutePath, text: fs.readFileSync(absolutePath, 'utf8') };
  } catch (error) {
    const reason = isMissing(error) ? 'no such file' : (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${what} ${filePath}: ${reason}`);
  }
}

export function fileExists(filePath: string): boolean {
  try {
    return fs.statSync(filePath).isFile();
  } catch {
    return false;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
