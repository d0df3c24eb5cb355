/**
 * `check` as a library: discover files, read only those a check family selects, run the checks.
 * Files are only read and parsed; nothing from the checked repository is executed.
 */
import { readFileBounded } from '../tree/disk.js';
import { discoverFiles } from './discover.js';
import { compareFindings, makeFinding, type Finding, type Note } from './finding.js';
import { CHECK_FAMILIES, ALL_CHECKS, type CheckFamily } from './registry.js';

/** Files larger than this are reported as a note and not parsed. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

export interface CheckResult {
  /** Absolute path of the checked root. */
  root: string;
  /** How many files discovery kept (after ignores). */
  filesDiscovered: number;
  /** How many files a check family read. */
  filesChecked: number;
  /** The controls that were evaluated. */
  controlIds: string[];
  findings: Finding[];
  notes: Note[];
}

export function checkRepository(root: string, families: readonly CheckFamily[] = CHECK_FAMILIES): CheckResult {
  const discovery = discoverFiles(root);
  const findings: Finding[] = [];
  const notes: Note[] = [...discovery.notes];
  let filesChecked = 0;
  for (const file of discovery.files) {
    const readers = families.filter((family) => family.selects(file.path));
    if (readers.length === 0) continue;
    const read = readFileBounded(root, file.path, MAX_FILE_BYTES);
    if (read.kind === 'too-large') {
      notes.push({ file: file.path, message: `not checked: ${read.size} bytes is over the ${MAX_FILE_BYTES}-byte limit` });
      continue;
    }
    if (read.kind === 'unreadable') {
      notes.push({ file: file.path, message: `not checked: unreadable (${read.reason})` });
      continue;
    }
    if (read.data.includes(0)) {
      notes.push({ file: file.path, message: 'not checked: binary content' });
      continue;
    }
    filesChecked += 1;
    const text = read.data.toString('utf8');
    for (const family of readers) {
      const specs = new Map(family.checks.map((check) => [check.controlId, check]));
      try {
        family.scan(
          { path: file.path, text },
          {
            finding: (controlId, location, message) => findings.push(makeFinding(controlId, location, message, specs.get(controlId)?.fix ?? '')),
            note: (note) => notes.push(note),
          },
        );
      } catch (error) {
        notes.push({ file: file.path, message: `not checked by ${family.id}: internal error (${(error as Error)?.message ?? String(error)})` });
      }
    }
  }
  return {
    root,
    filesDiscovered: discovery.files.length,
    filesChecked,
    controlIds: families === CHECK_FAMILIES ? ALL_CHECKS.map((check) => check.controlId) : families.flatMap((family) => family.checks.map((check) => check.controlId)),
    findings: findings.sort(compareFindings),
    notes,
  };
}
