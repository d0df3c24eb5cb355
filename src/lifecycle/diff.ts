/**
 * `secure-stack diff`: the repository against what this version's templates give for the recorded answers,
 * rendered in memory. Per file: missing (the templates give it, the repository lacks it), changed, or extra
 * (the manifest lists it, the templates no longer give it). Who changed it comes from content hashes, not
 * versions (a version-only check misses a file that drifted once): the repository still has the recorded
 * hash → the template changed; the render still has it → you changed the file; neither → both did.
 */
import { structuredPatch } from 'diff';
import { sha256, type Manifest } from '../manifest/manifest.js';
import { TOOL_VERSION } from '../package-root.js';
import { comparePaths, type Tree } from '../tree/tree.js';
import { isBinary } from './merge.js';
import { readManifest, renderFromManifest } from './render-from-manifest.js';
import { recoverInterruptedUpgrade } from './staging.js';

export type DriftStatus = 'missing' | 'changed' | 'extra';
export type ChangedBy = 'you' | 'template' | 'both';

export interface FileDrift {
  path: string;
  status: DriftStatus;
  changedBy: ChangedBy;
  /** One sentence for people: "you changed this file", "the template no longer generates this file". */
  reason: string;
  binary: boolean;
  /** Unified diff from the template's version (a/) to the repository's (b/); empty for binary files. */
  patch: string;
}

export interface DriftReport {
  root: string;
  /** The template version recorded in the manifest, and this tool's. */
  recordedTemplateVersion: string;
  templateVersion: string;
  files: FileDrift[];
  /** Files an interrupted upgrade had left half done and that this run completed first. */
  completedInterruptedUpgrade: string[];
}

export async function diffRepository(tree: Tree): Promise<DriftReport> {
  const recovery = recoverInterruptedUpgrade(tree.disk);
  const manifest = readManifest(tree, 'diff');
  const { files: rendered } = await renderFromManifest(manifest);
  const paths = new Set([...rendered.keys(), ...Object.keys(manifest.files)]);
  const drift: FileDrift[] = [];
  for (const filePath of [...paths].sort(comparePaths)) {
    const entry = compareFile(filePath, rendered.get(filePath)?.content, tree.read(filePath), manifest, rendered.get(filePath)?.executable, tree);
    if (entry !== undefined) drift.push(entry);
  }
  return {
    root: tree.root,
    recordedTemplateVersion: manifest.templateVersion,
    templateVersion: TOOL_VERSION,
    files: drift,
    completedInterruptedUpgrade: recovery.paths,
  };
}

function compareFile(
  filePath: string,
  template: Buffer | undefined,
  repository: Buffer | undefined,
  manifest: Manifest,
  templateExecutable: boolean | undefined,
  tree: Tree,
): FileDrift | undefined {
  const recorded = manifest.files[filePath]?.sha256;
  const binary = (template !== undefined && isBinary(template)) || (repository !== undefined && isBinary(repository));
  const patch = (): string => unifiedDiff(filePath, template, repository, binary);
  if (template !== undefined && repository === undefined) {
    return recorded === undefined
      ? { path: filePath, status: 'missing', changedBy: 'template', reason: 'the template now generates this file', binary, patch: patch() }
      : { path: filePath, status: 'missing', changedBy: 'you', reason: 'you deleted this file', binary, patch: patch() };
  }
  if (template === undefined && repository !== undefined) {
    return sha256(repository) === recorded
      ? { path: filePath, status: 'extra', changedBy: 'template', reason: 'the template no longer generates this file', binary, patch: patch() }
      : { path: filePath, status: 'extra', changedBy: 'both', reason: 'the template no longer generates this file, and you changed it', binary, patch: patch() };
  }
  if (template === undefined || repository === undefined) return undefined; // recorded, but neither side has it
  if (template.equals(repository)) {
    if (tree.isExecutable(filePath) === templateExecutable) return undefined;
    return { path: filePath, status: 'changed', changedBy: 'you', reason: 'you changed its executable bit', binary, patch: modeHeader(filePath, templateExecutable === true, !templateExecutable) };
  }
  if (recorded === undefined) {
    return { path: filePath, status: 'changed', changedBy: 'both', reason: 'the template now generates this file, and yours differs', binary, patch: patch() };
  }
  const changedBy: ChangedBy = sha256(repository) === recorded ? 'template' : sha256(template) === recorded ? 'you' : 'both';
  const reason = changedBy === 'template' ? 'the template changed' : changedBy === 'you' ? 'you changed this file' : 'both you and the template changed this file';
  return { path: filePath, status: 'changed', changedBy, reason, binary, patch: patch() };
}

/** git's format: `diff --git`, `---`/`+++`, hunks with 3 lines of context. */
function unifiedDiff(filePath: string, template: Buffer | undefined, repository: Buffer | undefined, binary: boolean): string {
  const oldName = template === undefined ? '/dev/null' : `a/${filePath}`;
  const newName = repository === undefined ? '/dev/null' : `b/${filePath}`;
  const header = [`diff --git a/${filePath} b/${filePath}`];
  if (template === undefined) header.push('new file mode 100644');
  if (repository === undefined) header.push('deleted file mode 100644');
  if (binary) return [...header, `Binary files ${oldName} and ${newName} differ`, ''].join('\n');
  const structured = structuredPatch(oldName, newName, template?.toString('utf8') ?? '', repository?.toString('utf8') ?? '', '', '', { context: 3 });
  const lines = [...header, `--- ${oldName}`, `+++ ${newName}`];
  for (const hunk of structured.hunks) {
    lines.push(`@@ -${hunkRange(hunk.oldStart, hunk.oldLines)} +${hunkRange(hunk.newStart, hunk.newLines)} @@`, ...hunk.lines);
  }
  return `${lines.join('\n')}\n`;
}

/** As git prints ranges: "start,count", "start" alone for one line; an empty range names the line before it. */
function hunkRange(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

function modeHeader(filePath: string, templateExecutable: boolean, repositoryExecutable: boolean): string {
  const mode = (executable: boolean): string => (executable ? '100755' : '100644');
  return `diff --git a/${filePath} b/${filePath}\nold mode ${mode(templateExecutable)}\nnew mode ${mode(repositoryExecutable)}\n`;
}
