/**
 * `secure-stack upgrade`: a 3-way merge per file of
 *   base   = what the recorded template version generated for the recorded answers,
 *   theirs = what this version's templates generate for the (possibly changed, `--set`) answers,
 *   ours   = the repository as it is,
 * so that the template's changes come in and the user's edits stay.
 *
 * The base of a file is found by the manifest's hash, never assumed from a version: the repository's own
 * file when it still has the recorded hash, else this version's render of the recorded answers when that
 * has the hash (the templates did not change for this file), else the git object store (any commit that
 * ever held the file with that content). A base nothing can recover makes the file "both added": a
 * conflict unless both sides agree.
 *
 * Rules per file: ours == base → take theirs; theirs == base → keep ours; both changed → merge (markers on
 * conflict); deleted by the user → stays deleted, reported; no longer generated → deleted when ours ==
 * base, else kept and reported; newly generated where a different file exists → conflict with an empty
 * base. Files outside the manifest are never touched. The new manifest (answers, version, the render's
 * hashes) is written with the files, as the last rename of one journaled commit (src/tree/journal.ts).
 */
import { canonicalLayers, CLOUDS, LAYER_IDS, ANSWER_KEYS, partialAnswersSchema, type AnswerKey, type Answers } from '../answers/schema.js';
import { finaliseAnswers } from '../answers/resolve.js';
import { validate } from '../config/validation.js';
import { UsageError } from '../errors.js';
import { MANIFEST_FILE, serializeManifest, sha256, type Manifest } from '../manifest/manifest.js';
import { TOOL_NAME, TOOL_VERSION } from '../package-root.js';
import type { ProjectFile } from '../pipeline/generate.js';
import { resolvePreset, sameValue } from '../presets/presets.js';
import { DiskAdapter } from '../tree/disk.js';
import { comparePaths, Tree, type PlannedFile } from '../tree/tree.js';
import { changesBetween, compareVersions, readTemplateChangelog, type ChangelogSection } from './changelog.js';
import { recoverContentsByHash, workingTreeState } from './git.js';
import { mergeFile, type MergeLabels } from './merge.js';
import { readManifest, renderFromManifest } from './render-from-manifest.js';
import { recoverInterruptedUpgrade, stagingDirectory } from './staging.js';

export type UpgradeAction = 'CREATE' | 'UPDATE' | 'DELETE' | 'MERGE' | 'CONFLICT' | 'KEEP';

export interface UpgradeStep {
  path: string;
  action: UpgradeAction;
  /** Why, for people: "you deleted this file: it stays deleted". */
  reason: string;
  /** What the file becomes (CREATE, UPDATE, MERGE, text CONFLICT); absent for DELETE, KEEP and binary conflicts. */
  content?: Buffer;
  executable: boolean;
}

/** A file as the repository has it; `undefined` content = not there. */
export interface RepositoryFile {
  content: Buffer;
  executable: boolean;
}

export interface FileChangeInput {
  /** The old manifest's files (path → recorded hash). */
  recorded: Readonly<Record<string, { sha256: string }>>;
  /** The base of each recorded file whose base could be recovered. */
  base: ReadonlyMap<string, Buffer>;
  /** The new render. */
  theirs: ReadonlyMap<string, Pick<ProjectFile, 'content' | 'executable'>>;
  /** The repository. */
  ours: (filePath: string) => RepositoryFile | undefined;
  labels: MergeLabels;
}

/**
 * The per-file decisions, without touching anything (the property-based test drives this directly). Files
 * that need nothing are left out.
 */
export function planFileChanges(input: FileChangeInput): UpgradeStep[] {
  const paths = [...new Set([...Object.keys(input.recorded), ...input.theirs.keys()])].sort(comparePaths);
  const steps: UpgradeStep[] = [];
  for (const filePath of paths) {
    const step = planOneFile(filePath, input);
    if (step !== undefined) steps.push(step);
  }
  return steps;
}

function planOneFile(filePath: string, input: FileChangeInput): UpgradeStep | undefined {
  const recorded = input.recorded[filePath];
  const base = input.base.get(filePath);
  const theirs = input.theirs.get(filePath);
  const ours = input.ours(filePath);
  if (theirs === undefined) {
    // The template no longer generates this file (new version, or answers that drop it).
    if (ours === undefined || recorded === undefined) return undefined;
    if (sha256(ours.content) === recorded.sha256) {
      return { path: filePath, action: 'DELETE', reason: 'the template no longer generates this file', executable: false };
    }
    return { path: filePath, action: 'KEEP', reason: 'the template no longer generates this file; you changed it, so it is kept', executable: ours.executable };
  }
  if (ours === undefined) {
    if (recorded !== undefined) {
      const changed = base === undefined || !base.equals(theirs.content);
      return {
        path: filePath,
        action: 'KEEP',
        reason: changed ? 'you deleted this file (the template changed it): it stays deleted' : 'you deleted this file: it stays deleted',
        executable: false,
      };
    }
    return { path: filePath, action: 'CREATE', reason: 'the template now generates this file', content: theirs.content, executable: theirs.executable };
  }
  // Same content: nothing to bring in (an executable bit the user set or cleared is theirs to keep).
  if (ours.content.equals(theirs.content)) return undefined;
  if (base !== undefined && ours.content.equals(base)) {
    return { path: filePath, action: 'UPDATE', reason: 'the template changed it; you had not', content: theirs.content, executable: theirs.executable };
  }
  if (base !== undefined && theirs.content.equals(base)) return undefined; // only you changed it: yours stays
  const merged = mergeFile(base, ours.content, theirs.content, input.labels);
  const why =
    recorded === undefined
      ? 'the template now generates this file and yours differs'
      : base === undefined
        ? 'the version it was generated from could not be recovered, and it differs from the template'
        : 'both you and the template changed it';
  if (merged.binary) {
    return { path: filePath, action: 'CONFLICT', reason: `${why}; binary file left as yours`, executable: ours.executable };
  }
  if (merged.conflicts > 0) {
    return { path: filePath, action: 'CONFLICT', reason: `${why}: ${merged.conflicts} conflict block(s)`, content: merged.content, executable: ours.executable };
  }
  return { path: filePath, action: 'MERGE', reason: `${why}: merged cleanly`, content: merged.content, executable: ours.executable };
}

/** `--set key=value` → answers, checked like `new`'s flags, including the locks of the recorded preset chain. */
export function answersWithSettings(manifest: Manifest, settings: readonly string[], root: string): Answers {
  const changes: Record<string, unknown> = {};
  for (const setting of settings) {
    const equals = setting.indexOf('=');
    if (equals <= 0) throw new UsageError(`--set ${JSON.stringify(setting)}: expected key=value`);
    const key = setting.slice(0, equals);
    const raw = setting.slice(equals + 1);
    if (!(ANSWER_KEYS as readonly string[]).includes(key)) throw new UsageError(`--set: unknown answer "${key}" (answers: ${ANSWER_KEYS.join(', ')})`);
    changes[key] = settingValue(key as AnswerKey, raw);
  }
  const checked = validate(partialAnswersSchema, changes);
  if (!checked.success) {
    const issue = checked.problem;
    const key = String(issue.path[0]);
    throw new UsageError(`invalid --set ${key}=${String(settings.find((setting) => setting.startsWith(`${key}=`))?.slice(key.length + 1))}: ${issue.message}`);
  }
  if (Object.keys(changes).length > 0 && manifest.presets.length > 0) {
    const leaf = manifest.presets.at(-1)!;
    let locked;
    try {
      locked = resolvePreset(leaf.name, root).locked;
    } catch (error) {
      throw new UsageError(`--set: cannot read preset "${leaf.name}" recorded in ${MANIFEST_FILE}, so its locked answers cannot be checked (${(error as Error).message})`);
    }
    for (const [key, value] of Object.entries(checked.data)) {
      const lock = locked.get(key as AnswerKey);
      if (lock !== undefined && !sameValue(lock.value, value)) {
        throw new UsageError(`--set ${key} contradicts preset ${lock.preset.name}: "${key}" is locked to ${JSON.stringify(lock.value)}`);
      }
    }
  }
  return finaliseAnswers({ ...manifest.answers, ...checked.data }, Object.fromEntries(ANSWER_KEYS.map((key) => [key, `--set ${key}`])));
}

function settingValue(key: AnswerKey, raw: string): unknown {
  if (key === 'layers') {
    const layers = raw.split(',').map((layer) => layer.trim()).filter(Boolean);
    const unknown = layers.find((layer) => !(LAYER_IDS as readonly string[]).includes(layer));
    if (unknown !== undefined) throw new UsageError(`--set layers: unknown layer "${unknown}" (choose from ${LAYER_IDS.join(',')})`);
    return canonicalLayers(layers as Answers['layers']);
  }
  if (key === 'multiTenant') {
    if (raw !== 'true' && raw !== 'false') throw new UsageError(`--set multiTenant=${raw}: expected true or false`);
    return raw === 'true';
  }
  if (key === 'cloud' && !(CLOUDS as readonly string[]).includes(raw)) throw new UsageError(`--set cloud=${raw}: expected one of ${CLOUDS.join('|')}`);
  return raw;
}

export interface UpgradeOptions {
  /** `--to`: only this tool's own version can be reached from here. */
  to?: string;
  /** `--set key=value`. */
  set: readonly string[];
  allowDirty: boolean;
  env: NodeJS.ProcessEnv;
  /** Test-only: see JournalOptions.pauseBetweenOperationsMs. */
  pauseBetweenOperationsMs?: number;
}

export interface AnswerChange {
  key: AnswerKey;
  from: unknown;
  to: unknown;
}

export interface PreparedUpgrade {
  root: string;
  fromVersion: string;
  toVersion: string;
  answerChanges: AnswerChange[];
  /** Changelog sections between the two versions, newest first. */
  changelog: ChangelogSection[];
  steps: UpgradeStep[];
  /** Paths whose result has conflict markers (or a binary file changed on both sides). */
  conflicts: string[];
  /** Whether anything at all would be written (files or the manifest). */
  changesAnything: boolean;
  /** Carries the plan out (one journaled commit); returns what the Tree wrote. */
  apply(): PlannedFile[];
}

export type UpgradePreparation =
  | { kind: 'completed-interrupted-upgrade'; paths: string[] }
  | { kind: 'ready'; upgrade: PreparedUpgrade };

/**
 * Reads the repository and computes the upgrade. A journal left by an interrupted upgrade is completed
 * first and nothing else is done (the repository then holds that upgrade, to review and commit). Bad
 * input and a dirty tree are refused here, before anything is written.
 */
export async function prepareUpgrade(rootPath: string, options: UpgradeOptions): Promise<UpgradePreparation> {
  if (options.to !== undefined && options.to !== TOOL_VERSION) {
    throw new UsageError(`this is ${TOOL_NAME} ${TOOL_VERSION}; to upgrade to ${options.to} run: npx ${TOOL_NAME}@${options.to} upgrade`);
  }
  const disk = new DiskAdapter(rootPath);
  const recovery = recoverInterruptedUpgrade(disk);
  if (recovery.completed) return { kind: 'completed-interrupted-upgrade', paths: recovery.paths };

  const tree = new Tree(disk);
  const manifest = readManifest(tree, 'upgrade');
  if (compareVersions(manifest.templateVersion, TOOL_VERSION) > 0) {
    throw new UsageError(
      `this repository was generated by templates ${manifest.templateVersion}, newer than this tool's ${TOOL_VERSION}; run: npx ${TOOL_NAME}@${manifest.templateVersion} upgrade`,
    );
  }
  const answers = answersWithSettings(manifest, options.set, disk.root);

  const state = await workingTreeState(disk.root, options.env);
  if (!options.allowDirty) {
    if (state.kind === 'not-a-repository' || state.kind === 'git-unavailable') {
      throw new UsageError(
        `${state.kind === 'git-unavailable' ? 'git is not installed' : 'not a git repository'}: upgrade refuses to change files that version control cannot give back, and it finds old template versions in git; pass --allow-dirty to go ahead anyway`,
      );
    }
    if (state.kind === 'dirty') {
      const shown = state.entries.slice(0, 5).join(', ');
      const more = state.entries.length > 5 ? ` and ${state.entries.length - 5} more` : '';
      throw new UsageError(`the working tree has uncommitted changes (${shown}${more}): commit or stash them first, or pass --allow-dirty`);
    }
  }

  const oldRender = await renderFromManifest(manifest);
  const changedAnswers = !sameAnswers(manifest.answers, answers);
  const newRender = changedAnswers ? await renderFromManifest({ ...manifest, answers }) : oldRender;

  const ours = (filePath: string): RepositoryFile | undefined => {
    const content = tree.read(filePath);
    return content === undefined ? undefined : { content, executable: tree.isExecutable(filePath) };
  };
  const base = new Map<string, Buffer>();
  const missingBase = new Map<string, string>();
  for (const [filePath, { sha256: recordedHash }] of Object.entries(manifest.files)) {
    const repositoryContent = tree.read(filePath);
    const rendered = oldRender.files.get(filePath)?.content;
    if (repositoryContent !== undefined && sha256(repositoryContent) === recordedHash) base.set(filePath, repositoryContent);
    else if (rendered !== undefined && sha256(rendered) === recordedHash) base.set(filePath, rendered);
    else missingBase.set(filePath, recordedHash);
  }
  if (missingBase.size > 0 && (state.kind === 'clean' || state.kind === 'dirty')) {
    for (const [filePath, content] of await recoverContentsByHash(disk.root, missingBase, options.env)) base.set(filePath, content);
  }

  const steps = planFileChanges({
    recorded: manifest.files,
    base,
    theirs: newRender.files,
    ours,
    labels: { ours: 'yours', base: `template ${manifest.templateVersion}`, theirs: `template ${TOOL_VERSION}` },
  });
  for (const step of steps) {
    if (step.action === 'DELETE') tree.delete(step.path);
    else if (step.content !== undefined) tree.write(step.path, step.content, { executable: step.executable });
  }
  // What the user recorded (accepted risks, components made by `gen`) is theirs, not the template's: it carries over.
  const newManifest: Manifest = {
    ...newRender.manifest,
    ...(manifest.suppressions ? { suppressions: manifest.suppressions } : {}),
    ...(manifest.components ? { components: manifest.components } : {}),
  };
  const manifestText = serializeManifest(newManifest);
  const manifestChanges = manifestText !== serializeManifest(manifest);
  if (manifestChanges) tree.write(MANIFEST_FILE, manifestText);

  const pauseBetweenOperationsMs = options.pauseBetweenOperationsMs;
  return {
    kind: 'ready',
    upgrade: {
      root: disk.root,
      fromVersion: manifest.templateVersion,
      toVersion: TOOL_VERSION,
      answerChanges: ANSWER_KEYS.filter((key) => !sameValue(manifest.answers[key], answers[key])).map((key) => ({ key, from: manifest.answers[key], to: answers[key] })),
      changelog: changesBetween(readTemplateChangelog(), manifest.templateVersion, TOOL_VERSION),
      steps,
      conflicts: steps.filter((step) => step.action === 'CONFLICT').map((step) => step.path),
      changesAnything: manifestChanges || steps.some((step) => step.action !== 'KEEP'),
      apply: () =>
        tree.commitAtomically({
          stagingDir: stagingDirectory(disk),
          applyLast: [MANIFEST_FILE],
          ...(pauseBetweenOperationsMs === undefined ? {} : { pauseBetweenOperationsMs }),
        }),
    },
  };
}

function sameAnswers(a: Answers, b: Answers): boolean {
  return ANSWER_KEYS.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}
