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
    return this.walkFiles(relativeDir, (absolute, relative) => ({ path: relative, executable: (fs.statSync(absolute).mode & 0o111) !== 0 }));
  }

  /**
   * Every regular file under `relativeDir` with its content, in one walk: listFiles() then readFile() for each,
   * without checking every path segment again (the walk never enters a symlink, and a file is opened with
   * O_NOFOLLOW). For reading a whole tree, like the tool's templates.
   */
  readAllFiles(relativeDir = ''): Array<DiskEntry & { content: Buffer }> {
    return this.walkFiles(relativeDir, (absolute, relative) => {
      const fd = fs.openSync(absolute, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        return { path: relative, executable: (fs.fstatSync(fd).mode & 0o111) !== 0, content: fs.readFileSync(fd) };
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  /** Visits every regular file under `relativeDir`, sorted by path; a directory entry that is a symlink is neither a file nor a directory. */
  private walkFiles<T extends { path: string }>(relativeDir: string, visit: (absolute: string, relative: string) => T): T[] {
    const start = relativeDir === '' ? this.root : this.resolveInside(relativeDir);
    const found: T[] = [];
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
        else if (entry.isFile()) found.push(visit(absolute, path.relative(this.root, absolute).split(path.sep).join('/')));
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

  /**
   * writeFileAtomic for many files at once: each file goes to a temporary file in its directory, then rename(2)
   * onto its name, so no reader ever sees half a file. A file that replaces an existing one has its data
   * fsync'd before the rename (else a crash could leave the name pointing at an empty file and the old content
   * gone), those fsyncs issued together so the filesystem journal commits them in a few groups, and its
   * directory synced after. A file that did not exist has nothing to lose: a crash leaves it missing or empty,
   * and the run can be repeated, so it is not synced (a fresh `new` spent most of its writing time in fsync).
   * Each directory is checked (never a symlink, never a file in the way) or created once per batch, and checked
   * again just before the renames. Nothing is renamed until every file is staged, so a failure replaces nothing.
   */
  async writeFilesAtomic(files: ReadonlyArray<{ path: string; content: Buffer; executable: boolean; replaces: boolean }>): Promise<void> {
    if (files.length === 0) return;
    const targets = files.map((file) => {
      const relative = toSafeRelativePath(file.path);
      return { ...file, relative, directory: path.posix.dirname(relative), absolute: path.join(this.root, relative) };
    });
    const directories = new DirectoryGuard(this.root);
    for (const target of targets) directories.ensure(target.directory);
    for (const target of targets) {
      // A directory this batch created holds nothing of the user's yet.
      if (!directories.created(target.directory)) this.refuseSymlinkTarget(target.relative, target.absolute);
    }

    const staged: Array<{ absolute: string; temporary: string; fd: number | undefined; renamed: boolean }> = [];
    const batchToken = randomBytes(6).toString('hex');
    let unsynced: typeof staged = [];
    // Replacing files stay open until their batched fsync; a bounded batch keeps a large change within the fd limit.
    const syncAndClose = async (): Promise<void> => {
      const batch = unsynced;
      unsynced = [];
      await Promise.all(batch.map((entry) => fsyncDescriptor(entry.fd!)));
      for (const entry of batch) {
        fs.closeSync(entry.fd!);
        entry.fd = undefined;
      }
    };
    try {
      for (const target of targets) {
        // One random token per batch (and the file's index): open(O_EXCL) refuses a name that exists anyway.
        const temporary = path.join(path.dirname(target.absolute), `.${path.basename(target.absolute)}.${batchToken}-${staged.length}.tmp`);
        const mode = target.executable ? 0o755 : 0o644;
        const entry = { absolute: target.absolute, temporary, fd: fs.openSync(temporary, 'wx', mode) as number | undefined, renamed: false };
        staged.push(entry);
        fs.writeFileSync(entry.fd!, target.content);
        fs.fchmodSync(entry.fd!, mode); // the umask may have narrowed the mode given to open()
        if (target.replaces) {
          unsynced.push(entry);
          if (unsynced.length >= MAX_OPEN_UNSYNCED) await syncAndClose();
        } else {
          fs.closeSync(entry.fd!);
          entry.fd = undefined;
        }
      }
      await syncAndClose();
      directories.recheck(); // an ancestor may have become a symlink meanwhile
      for (const entry of staged) {
        fs.renameSync(entry.temporary, entry.absolute);
        entry.renamed = true;
      }
      const replacedIn = targets.filter((target) => target.replaces).map((target) => target.directory);
      await Promise.all(directories.absolutePaths(replacedIn).map((directory) => fsyncDirectory(directory)));
    } catch (error) {
      for (const entry of staged) {
        if (entry.fd !== undefined) fs.closeSync(entry.fd);
        if (!entry.renamed) fs.rmSync(entry.temporary, { force: true });
      }
      throw error;
    }
  }

  /** rename(2) would replace a symlink rather than follow it, but a symlink where a file goes is refused like one on the way. */
  private refuseSymlinkTarget(relative: string, absolute: string): void {
    try {
      if (fs.lstatSync(absolute).isSymbolicLink()) throw new PathEscapeError(`refusing ${relative}: ${relative} is a symbolic link`);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** Removes one regular file (never a directory, never through a symlink); a missing file is no error. */
  removeFile(relativePath: string): void {
    const absolute = this.resolveInside(relativePath);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(absolute);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    if (!stat.isFile()) throw new PathEscapeError(`refusing to remove ${toSafeRelativePath(relativePath)}: not a regular file`);
    fs.unlinkSync(absolute);
  }

  /**
   * rename(2) of one file inside the root onto another path inside it (atomic on one filesystem: a reader sees
   * the old or the new content, never a mix). Creates the destination's directories.
   */
  renameFile(fromRelative: string, toRelative: string): void {
    const from = this.resolveInside(fromRelative);
    this.makeDirectoryInside(path.posix.dirname(toSafeRelativePath(toRelative)));
    const to = this.resolveInside(toRelative);
    fs.renameSync(from, to);
  }

  /** Whether `relativePath` is a real directory (not a symlink to one). */
  isDirectory(relativePath: string): boolean {
    try {
      return fs.lstatSync(this.resolveInside(relativePath)).isDirectory();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Removes a directory and everything below it (used for the tool's own staging area only). */
  removeDirectory(relativeDir: string): void {
    const absolute = this.resolveInside(relativeDir);
    fs.rmSync(absolute, { recursive: true, force: true });
  }

  private makeDirectoryInside(relativeDir: string): void {
    new DirectoryGuard(this.root).ensure(relativeDir === '.' || relativeDir === '' ? '' : toSafeRelativePath(relativeDir));
  }
}

/**
 * Reads a file the user named on the command line (an answers file, a preset, a baseline). `shownAs` is
 * how errors name it (what the user typed, when `filePath` was resolved against another directory).
 */
export function readUserFile(filePath: string, what: string, shownAs: string = filePath): { absolutePath: string; text: string } {
  const absolutePath = path.resolve(filePath);
  try {
    return { absolutePath, text: fs.readFileSync(absolutePath, 'utf8') };
  } catch (error) {
    const reason = isMissing(error) ? 'no such file' : (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${what} ${shownAs}: ${reason}`);
  }
}

/**
 * Writes a file the user named on the command line (e.g. `check --write-baseline FILE`) atomically. Its
 * directory must exist. An existing file is replaced only if it is of the `replaceable` kind, and never
 * when it is a symbolic link or not a regular file: a typo must not clobber an unrelated file. `shownAs`
 * is how errors name the file.
 */
export function writeUserFileAtomic(
  filePath: string,
  content: string,
  what: string,
  replaceable: { kind: string; test: (existing: Buffer) => boolean },
  shownAs: string = filePath,
): void {
  const absolutePath = path.resolve(filePath);
  const directory = path.dirname(absolutePath);
  try {
    if (!fs.statSync(directory).isDirectory()) throw new UsageError(`${what} ${shownAs}: ${directory} is not a directory`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${what} ${shownAs}: directory ${directory} does not exist`);
  }
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(absolutePath);
  } catch (error) {
    if (!isMissing(error)) throw new UsageError(`${what} ${shownAs}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (existing !== undefined) {
    if (existing.isSymbolicLink()) throw new UsageError(`${what} ${shownAs}: refusing to write through a symbolic link`);
    if (!existing.isFile()) throw new UsageError(`${what} ${shownAs}: exists and is not a regular file`);
    if (!replaceable.test(fs.readFileSync(absolutePath))) {
      throw new UsageError(`${what} ${shownAs}: refusing to overwrite a file that is not ${replaceable.kind}`);
    }
  }
  new DiskAdapter(directory).writeFileAtomic(path.basename(absolutePath), Buffer.from(content, 'utf8'), false);
}

export function fileExists(filePath: string): boolean {
  try {
    return fs.statSync(filePath).isFile();
  } catch {
    return false;
  }
}

/**
 * The directories of one batch of writes, each checked once: a real directory (created when missing), never a
 * symbolic link, never a file in the way. recheck() repeats the symlink check on every one of them.
 */
class DirectoryGuard {
  /** Relative directory ('' for the root) → absolute path, in the order they were first checked (parents first). */
  private readonly checked = new Map<string, string>();
  /** The directories this batch made (mkdir), and so empty but for what the batch writes. */
  private readonly made = new Set<string>();

  constructor(private readonly root: string) {}

  ensure(relativeDir: string): void {
    const relative = relativeDir === '.' ? '' : relativeDir;
    if (this.checked.has(relative)) return;
    if (relative === '') {
      // The root itself may be a symlink the user chose; only what lies below it is confined.
      if (fs.mkdirSync(this.root, { recursive: true }) !== undefined) this.made.add('');
      this.checked.set('', this.root);
      return;
    }
    this.ensure(path.posix.dirname(relative));
    this.check(relative, path.join(this.root, relative), true);
  }

  created(relativeDir: string): boolean {
    return this.made.has(relativeDir === '.' ? '' : relativeDir);
  }

  recheck(): void {
    for (const [relative, absolute] of this.checked) if (relative !== '') this.check(relative, absolute, false, true);
  }

  /** Absolute paths of the given directories, once each. */
  absolutePaths(relativeDirs: readonly string[]): string[] {
    return [...new Set(relativeDirs.map((relative) => this.checked.get(relative === '.' ? '' : relative)!))];
  }

  private check(relative: string, absolute: string, create: boolean, again = false): void {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(absolute);
    } catch (error) {
      if (!isMissing(error) || !create || again) throw error;
      fs.mkdirSync(absolute);
      this.checked.set(relative, absolute);
      this.made.add(relative);
      return;
    }
    if (stat.isSymbolicLink()) throw new PathEscapeError(`refusing to write through symbolic link ${relative}`);
    if (!stat.isDirectory()) throw new PathEscapeError(`cannot create directory ${relative}: a file is in the way`);
    if (!again) this.checked.set(relative, absolute);
  }
}

/** How many staged files wait open for their fsync at most (well under the usual limit of 1024 descriptors). */
const MAX_OPEN_UNSYNCED = 256;

function fsyncDescriptor(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** fsync of a directory, so the names just renamed into it are durable; a filesystem that cannot is no error. */
async function fsyncDirectory(directory: string): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(directory, 'r');
  } catch {
    return;
  }
  try {
    await fsyncDescriptor(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EBADF') throw error;
  } finally {
    fs.closeSync(fd);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** What a path given on the command line is (for read-only commands such as `check`). */
export function pathKind(filePath: string): 'directory' | 'file' | 'missing' | 'other' {
  try {
    const stat = fs.statSync(filePath);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

export interface WalkedFile {
  /** POSIX path relative to the walked root. */
  path: string;
  size: number;
}

export interface WalkResult {
  files: WalkedFile[];
  /** Directories that could not be listed (relative POSIX paths), with the reason. */
  unreadable: Array<{ path: string; reason: string }>;
}

/**
 * Read-only walk of every regular file under `root`, sorted. Symbolic links are neither followed nor
 * listed. `skip(relativePath, isDirectory, childNames)` prunes a directory (with its names, so a
 * caller can recognise e.g. a virtualenv by its pyvenv.cfg) or drops a file.
 */
export function walkFiles(
  root: string,
  skip: (relativePath: string, isDirectory: boolean, childNames: readonly string[]) => boolean,
): WalkResult {
  const absoluteRoot = path.resolve(root);
  const files: WalkedFile[] = [];
  const unreadable: WalkResult['unreadable'] = [];
  const walk = (absoluteDir: string, relativeDir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(absoluteDir, { withFileTypes: true });
    } catch (error) {
      unreadable.push({ path: relativeDir || '.', reason: (error as NodeJS.ErrnoException).code ?? 'unreadable' });
      return;
    }
    for (const entry of entries) {
      const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      const absolute = path.join(absoluteDir, entry.name);
      if (entry.isDirectory()) {
        let names: string[] = [];
        try {
          names = fs.readdirSync(absolute);
        } catch {
          // reported when the walk reaches it
        }
        if (!skip(relative, true, names)) walk(absolute, relative);
      } else if (entry.isFile()) {
        if (skip(relative, false, [])) continue;
        let size = 0;
        try {
          size = fs.statSync(absolute).size;
        } catch {
          // vanished meanwhile: a later read reports it
        }
        files.push({ path: relative, size });
      }
    }
  };
  walk(absoluteRoot, '');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, unreadable };
}

export type BoundedRead = { kind: 'ok'; data: Buffer } | { kind: 'too-large'; size: number } | { kind: 'unreadable'; reason: string };

/** Reads one regular file under `root` (no symlinks), refusing files larger than `maxBytes`. */
export function readFileBounded(root: string, relativePath: string, maxBytes: number): BoundedRead {
  try {
    const absolute = path.join(path.resolve(root), toSafeRelativePath(relativePath));
    const stat = fs.lstatSync(absolute);
    if (!stat.isFile()) return { kind: 'unreadable', reason: 'not a regular file' };
    if (stat.size > maxBytes) return { kind: 'too-large', size: stat.size };
    return { kind: 'ok', data: fs.readFileSync(absolute) };
  } catch (error) {
    if (error instanceof PathEscapeError) return { kind: 'unreadable', reason: 'unsafe file name' };
    return { kind: 'unreadable', reason: (error as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
}
