/**
 * `check` as a library: discover files, read only those a check family selects, run the checks, then
 * fingerprint the findings, mark the suppressed ones (comments in the files, `.secure-stack.yaml`) and, given
 * a baseline, the known ones. Files are only read and parsed; nothing from the checked repository is executed.
 */
import { readFileBounded } from '../tree/disk.js';
import { applyBaseline, assignFingerprints, type Baseline } from './baseline.js';
import { discoverFiles } from './discover.js';
import { compareFindings, makeFinding, type Finding, type Note } from './finding.js';
import { CHECK_FAMILIES, ALL_CHECKS, type CheckFamily, type Emitter, type SourceFile } from './registry.js';
import { applySuppressions, loadManifestSuppressions } from './suppressions.js';

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
  /** Every finding, suppressed and baseline ones included (see `isActive`), in report order. */
  findings: Finding[];
  notes: Note[];
}

export interface CheckRunOptions {
  /** The check families to run [all registered]. */
  families?: readonly CheckFamily[];
  /** Today, for the expiry of `.secure-stack.yaml` suppressions and of security.txt [the clock]. */
  now?: Date;
  /** Known findings: those in it are marked `unchanged`, the others `new` (every finding gets a `baselineState`). */
  baseline?: Baseline;
}

/**
 * Checks the repository at `root`. Throws a UsageError when `.secure-stack.yaml` has an invalid
 * `suppressions:` section (before reading anything else); never throws on what the checked files contain.
 */
export function checkRepository(root: string, familiesOrOptions: readonly CheckFamily[] | CheckRunOptions = {}): CheckResult {
  const options: CheckRunOptions = isFamilyList(familiesOrOptions) ? { families: familiesOrOptions } : familiesOrOptions;
  const families = options.families ?? CHECK_FAMILIES;
  const manifestSuppressions = loadManifestSuppressions(root);
  const now = options.now ?? new Date();
  const run = { now };
  const discovery = discoverFiles(root);
  const findings: Finding[] = [];
  const notes: Note[] = [...discovery.notes];
  const scannedBy = new Map<CheckFamily, SourceFile[]>(families.map((family) => [family, []]));
  const emitterFor = (family: CheckFamily): Emitter => {
    const specs = new Map(family.checks.map((check) => [check.controlId, check]));
    return {
      finding: (controlId, location, message, findingOptions) =>
        findings.push(makeFinding(controlId, location, message, specs.get(controlId)?.fix ?? '', findingOptions?.severity)),
      note: (note) => notes.push(note),
    };
  };
  const emitters = new Map(families.map((family) => [family, emitterFor(family)]));
  let filesChecked = 0;
  /** The text of every file read, for fingerprints and suppression comments of the findings in it. */
  const texts = new Map<string, string>();
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
    const source: SourceFile = { path: file.path, text: read.data.toString('utf8') };
    texts.set(file.path, source.text);
    for (const family of readers) {
      if (family.finish !== undefined) scannedBy.get(family)!.push(source);
      try {
        family.scan(source, emitters.get(family)!, run);
      } catch (error) {
        notes.push({ file: file.path, message: `not checked by ${family.id}: internal error (${(error as Error)?.message ?? String(error)})` });
      }
    }
  }
  const repository = { ...run, paths: new Set(discovery.files.map((file) => file.path)) };
  for (const family of families) {
    if (family.finish === undefined) continue;
    try {
      family.finish(scannedBy.get(family)!, emitters.get(family)!, repository);
    } catch (error) {
      notes.push({ file: '.', message: `cross-file checks of ${family.id} not evaluated: internal error (${(error as Error)?.message ?? String(error)})` });
    }
  }
  findings.sort(compareFindings);
  // A cross-file finding may sit in a file no family read (a Dockerfile seen only by name): read it now.
  const textOf = (file: string): string | undefined => {
    if (!texts.has(file)) {
      const read = readFileBounded(root, file, MAX_FILE_BYTES);
      texts.set(file, read.kind === 'ok' && !read.data.includes(0) ? read.data.toString('utf8') : '');
    }
    return texts.get(file);
  };
  assignFingerprints(findings, textOf);
  notes.push(...applySuppressions(findings, textOf, manifestSuppressions, now));
  if (options.baseline !== undefined) applyBaseline(findings, options.baseline);
  return {
    root,
    filesDiscovered: discovery.files.length,
    filesChecked,
    controlIds: families === CHECK_FAMILIES ? ALL_CHECKS.map((check) => check.controlId) : families.flatMap((family) => family.checks.map((check) => check.controlId)),
    findings,
    notes,
  };
}

function isFamilyList(value: readonly CheckFamily[] | CheckRunOptions): value is readonly CheckFamily[] {
  return Array.isArray(value);
}
