/**
 * `secure-stack add`: the missing hardened pieces of the chosen layers, added to an existing repository.
 *
 * The layers' templates are rendered for answers derived from the repository, moved to the folders each
 * layer lives in, and merged into the Tree (nothing touches the disk before commit, so --dry-run and the plan
 * come from the Tree):
 *   - a file that does not exist is created;
 *   - a file that exists is edited by a structural, insert-only editor when one exists for its kind
 *     (package.json, ignore files, Compose, workflows, next.config); an editor that finds nothing to add
 *     leaves it as it is;
 *   - any other existing file that differs is left as it is, with the template's version written beside it
 *     as `<file>.secure-stack-proposal` and a line in the summary.
 *
 * A layer whose folder already holds an application of its kind (a FastAPI service, a Next.js app, database
 * migrations) gets only the pieces that stand on their own beside the user's code — configuration, ignore
 * files, Compose and workflow hardening, server configuration — never a second application tree (a Next.js
 * `app/` beside the user's `src/app/` would even replace their routes). Files that encode the stack's own
 * layout (the CI workflow, Dependabot's folders, the Compose file) are created only when every application
 * layer is the stack's own, in its default folder.
 */
import * as path from 'node:path';
import { finaliseAnswers } from '../answers/resolve.js';
import { canonicalLayers, defaultAnswers, type Answers, type LayerName } from '../answers/schema.js';
import { UsageError } from '../errors.js';
import { baseLayer, LAYERS } from '../layers/registry.js';
import { MANIFEST_FILE, parseManifest, serializeManifest, sha256, type Manifest } from '../manifest/manifest.js';
import { renderProject, type ProjectFile } from '../pipeline/generate.js';
import type { PlannedFile, Tree } from '../tree/tree.js';
import { DEFAULT_DIRS, inDir, isPlacedLayer, PLACED_LAYERS, relocate, type LayerDirs, type PlacedLayer } from './add-layout.js';
import { dirOf, type DetectedRepository } from './detect.js';
import { editCompose } from './edits/compose.js';
import { editIgnoreFile } from './edits/ignore-file.js';
import { editNextConfig } from './edits/next-config.js';
import { editPackageJson } from './edits/package-json.js';
import type { EditResult } from './edits/text.js';
import { editWorkflow } from './edits/workflow.js';
import { PROPOSAL_SUFFIX } from './proposal.js';

export { PROPOSAL_SUFFIX };

export type AddActionKind = 'create' | 'edit' | 'proposal' | 'unchanged' | 'skip';

export interface AddAction {
  kind: AddActionKind;
  /** The file concerned (for a proposal: the user's file; the proposal is `path + PROPOSAL_SUFFIX`). */
  path: string;
  layer: LayerName | 'base';
  /** What was added (edit), why a proposal or a skip, what was left alone on purpose. */
  details: string[];
}

export interface AddInput {
  /** The layers to add (the manifest's, if any, are kept). */
  layers: LayerName[];
  dirs: LayerDirs;
  /** YYYY-MM-DD for a new manifest (an existing manifest keeps its date). */
  today: string;
  /** Files git tracks: no ignore pattern added may hide one. */
  tracked?: readonly string[];
}

export interface AddResult {
  answers: Answers;
  actions: AddAction[];
  /** The Tree's plan after the add (CREATE / UPDATE / UNCHANGED per written file). */
  plan: PlannedFile[];
  manifest: Manifest;
  /** How each placed layer was treated: its whole tree, or only the pieces beside an existing application. */
  modes: Partial<Record<PlacedLayer, LayerMode>>;
}

export type LayerMode = 'new' | 'existing';

/** Web pieces for an existing Next.js app's package.json: the marker package the data access layer imports (WEB-01). */
const WEB_PACKAGE_DEPENDENCIES = ['server-only'];
/** Patterns of the template .dockerignore not added to a user's: their Dockerfile may build or run the tests. */
const DOCKERIGNORE_KEEP_OUT = ['tests', 'test'];
const NEXT_CONFIG_NAMES = ['next.config.ts', 'next.config.mts', 'next.config.mjs', 'next.config.js', 'next.config.cjs'];
/** A next.config for an app that has none, before the editor adds the hardening to it. */
const NEXT_CONFIG_SKELETON = "/** @type {import('next').NextConfig} */\nconst nextConfig = {\n  reactStrictMode: true,\n};\n\nexport default nextConfig;\n";

/** Reads the manifest of a repository `add` already ran in (or `new` generated); undefined when there is none. */
export function readExistingManifest(tree: Tree): Manifest | undefined {
  const text = tree.readText(MANIFEST_FILE);
  return text === undefined ? undefined : parseManifest(text, MANIFEST_FILE);
}

/** Renders, places and merges; every write goes to the Tree (the caller commits or prints the plan). */
export async function planAdd(tree: Tree, detected: DetectedRepository, input: AddInput): Promise<AddResult> {
  const previous = readExistingManifest(tree);
  const layers = canonicalLayers([...new Set([...((previous?.answers.layers ?? []) as LayerName[]), ...input.layers])]);
  if (layers.length === 0) throw new UsageError('no layer to add: name at least one (api, web, db, containers, ci, docs)');
  const answers = previous
    ? { ...previous.answers, layers }
    : finaliseAnswers({ ...defaultAnswers(detected.projectName), layers });
  const project = await renderProject({
    answers,
    presets: previous?.presets ?? [],
    generatedOn: previous?.generatedOn ?? input.today,
    ...(previous?.baseImageDigests ? { baseImageDigests: previous.baseImageDigests } : {}),
  });

  // A layer an earlier run placed stays in its folder when this run names other layers only.
  const dirs: LayerDirs = { ...input.dirs };
  for (const layer of PLACED_LAYERS) {
    const recordedDir = previous?.layers[layer]?.directory;
    if (recordedDir !== undefined && !input.layers.includes(layer)) dirs[layer] = recordedDir;
  }
  const modes = layerModes(detected, layers, dirs, previous);
  const stackLayout = PLACED_LAYERS.every((layer) => !layers.includes(layer) || (modes[layer] === 'new' && dirs[layer] === DEFAULT_DIRS[layer]));
  const recorded = new Set(Object.keys(previous?.files ?? {}));
  const visible = [...new Set([...detected.files, ...(input.tracked ?? [])])];
  const context: MergeContext = { tree, detected, visible, dirs, modes, layers, stackLayout, recorded, actions: [], created: new Map() };

  const skipped = new Map<string, number>();
  for (const file of project.files) {
    const decision = decide(context, file);
    if (decision.kind === 'skip') {
      skipped.set(decision.reason, (skipped.get(decision.reason) ?? 0) + 1);
      continue;
    }
    mergeFile(context, file, decision);
  }
  if (layers.includes('containers')) {
    hardenEvery(context, context.detected.composeFiles, 'containers', editCompose);
    guardBuildContexts(context, project.files);
  }
  if (layers.includes('ci')) hardenEvery(context, context.detected.workflows, 'ci', editWorkflow);
  for (const [reason, count] of skipped) context.actions.push({ kind: 'skip', path: '', layer: 'base', details: [`${reason} (${count} file${count === 1 ? '' : 's'})`] });

  const manifest = manifestAfterAdd(project.manifest, previous, context);
  tree.write(MANIFEST_FILE, serializeManifest(manifest));
  return { answers, actions: context.actions, plan: tree.plan(), manifest, modes };
}

interface MergeContext {
  tree: Tree;
  detected: DetectedRepository;
  /** The repository's files (discovered or tracked by git), which an added ignore pattern must not hide. */
  visible: string[];
  dirs: LayerDirs;
  modes: Partial<Record<PlacedLayer, LayerMode>>;
  layers: LayerName[];
  stackLayout: boolean;
  /** Files an earlier run created (the manifest's): add's own, not the user's. */
  recorded: Set<string>;
  actions: AddAction[];
  /** Files created from a template, exactly as rendered: path → [layer, sha256] for the manifest. */
  created: Map<string, { layer: ProjectFile['layer']; sha256: string }>;
  /** Files an editor already handled (a Compose file or workflow the render also names). */
  handled?: Set<string>;
}

/**
 * A layer is `existing` when its folder holds an application of its kind that `add` did not create, and
 * `new` when `add` creates it there (or created it on an earlier run, as the manifest records).
 */
function layerModes(
  detected: DetectedRepository,
  layers: LayerName[],
  dirs: LayerDirs,
  previous: Manifest | undefined,
): Partial<Record<PlacedLayer, LayerMode>> {
  // Files add created are recorded in the manifest: an application only they make up is add's own.
  const recorded = new Set(Object.keys(previous?.files ?? {}));
  const usersOwn = (files: readonly string[] | undefined): boolean => (files ?? []).some((file) => !recorded.has(file));
  const present: Record<PlacedLayer, boolean> = {
    api: usersOwn(detected.evidence.fastapi[dirs.api]),
    web: usersOwn(detected.evidence.next[dirs.web]),
    // Migrations anywhere mean the repository manages its schema already: no second migration tree.
    db: usersOwn(Object.values(detected.evidence.db).flat()),
  };
  const modes: Partial<Record<PlacedLayer, LayerMode>> = {};
  for (const layer of PLACED_LAYERS) {
    if (layers.includes(layer)) modes[layer] = present[layer] ? 'existing' : 'new';
  }
  return modes;
}

type Decision =
  | { kind: 'skip'; reason: string }
  | {
      kind: 'merge';
      target: string;
      /** How an existing file is treated: an editor, a proposal beside it, or left as it is. */
      existing: 'proposal' | 'leave' | ((text: string, template: string) => EditResult);
      /** Whether a missing file is created. */
      create: boolean | ((template: string) => string | undefined);
    };

function decide(context: MergeContext, file: ProjectFile): Decision {
  const { dirs, modes, stackLayout } = context;
  const target = relocate(file.path, dirs);
  const name = path.posix.basename(file.path);
  const layer = file.layer;
  const proposal: Decision = { kind: 'merge', target, existing: 'proposal', create: true };
  // A .gitignore must not start hiding files the repository has; a .dockerignore exists to keep files out of builds.
  const ignoreEditor = (skip: readonly string[] = []) => (text: string, template: string) =>
    editIgnoreFile({ text, template, skip, keepVisible: name === '.gitignore' ? visibleBelow(context, dirOf(target)) : [] });

  switch (layer) {
    case 'base':
      if (name === '.gitignore') return { kind: 'merge', target, existing: ignoreEditor(), create: true };
      if (name === '.editorconfig') return { kind: 'merge', target, existing: 'leave', create: true };
      return { kind: 'skip', reason: 'the stack README describes the generated stack, not this repository: not added' };
    case 'api':
      if (modes.api === 'new') return proposal;
      return { kind: 'skip', reason: `api: ${shown(dirs.api)} already holds a FastAPI service; the stack's application files are not added beside it (see \`secure-stack check\` for its API findings)` };
    case 'web': {
      if (modes.web === 'new') return proposal;
      const relative = file.path.slice('web/'.length);
      if (relative === 'package.json') {
        return {
          kind: 'merge',
          target,
          existing: (text, template) => editPackageJson(text, { dependencies: pickDependencies(template, WEB_PACKAGE_DEPENDENCIES) }),
          create: false,
        };
      }
      if (relative === '.gitignore') return { kind: 'merge', target, existing: ignoreEditor(), create: true };
      if (relative === 'next.config.ts') {
        const existingConfig = NEXT_CONFIG_NAMES.map((configName) => inDir(dirs.web, configName)).find((candidate) => context.tree.exists(candidate));
        return {
          kind: 'merge',
          target: existingConfig ?? inDir(dirs.web, 'next.config.mjs'),
          existing: (text) => editNextConfig(existingConfig ?? 'next.config.mjs', text),
          create: () => {
            const edited = editNextConfig('next.config.mjs', NEXT_CONFIG_SKELETON);
            return edited.kind === 'edited' ? edited.text : undefined;
          },
        };
      }
      return { kind: 'skip', reason: `web: ${shown(dirs.web)} already holds a Next.js app; the stack's application files are not added beside it (see \`secure-stack check\` for its WEB findings)` };
    }
    case 'db':
      if (modes.db === 'new') return proposal;
      if (file.path === 'db/postgresql.conf' || file.path === 'db/pg_hba.conf') return proposal;
      return { kind: 'skip', reason: 'db: the repository has its own migrations; the stack\'s roles, schema and migrations are not added beside them' };
    case 'containers': {
      const imageLayer = (['api', 'web'] as const).find((candidate) => file.path.startsWith(`${candidate}/`));
      if (imageLayer !== undefined) {
        const appDir = dirs[imageLayer];
        if (name === '.dockerignore') {
          const hasDockerfile = context.detected.dockerfiles.some((dockerfile) => dirOf(dockerfile) === appDir) || modes[imageLayer] === 'new';
          if (!hasDockerfile) return { kind: 'skip', reason: `containers: no Dockerfile in ${shown(appDir)}: no .dockerignore needed there` };
          const userDockerfile = modes[imageLayer] === 'existing';
          return { kind: 'merge', target, existing: ignoreEditor(userDockerfile ? DOCKERIGNORE_KEEP_OUT : []), create: true };
        }
        if (modes[imageLayer] === 'new') return proposal;
        if (!context.tree.exists(target)) {
          return { kind: 'skip', reason: `containers: the stack's ${imageLayer} Dockerfile builds the stack's own application: not created for the one in ${shown(appDir)}` };
        }
        return proposal;
      }
      if (!stackLayout || context.detected.composeFiles.some((compose) => !context.recorded.has(compose))) {
        return { kind: 'skip', reason: 'containers: the stack\'s Compose file, secrets script and guide fit only its own layout; existing Compose files are hardened instead' };
      }
      return proposal;
    }
    case 'ci': {
      const isWorkflow = /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file.path);
      const userWorkflows = context.detected.workflows.filter((workflow) => !context.recorded.has(workflow));
      if (file.path === '.github/workflows/codeql.yml') {
        // Code scanning stands on its own; in a repository without any CI it would be the only workflow, and
        // the repository-wide CI controls would start to apply to a half-built pipeline.
        if (!stackLayout && userWorkflows.length === 0) {
          return { kind: 'skip', reason: 'ci: no workflows here, and the stack\'s CI fits only its own layout: nothing added' };
        }
        return { kind: 'merge', target, existing: (text) => editWorkflow(text), create: true };
      }
      if (!stackLayout || userWorkflows.length > 0) {
        return { kind: 'skip', reason: 'ci: the stack\'s CI workflow, Dependabot and CODEOWNERS name its own folders; existing workflows are hardened instead' };
      }
      if (isWorkflow) return { kind: 'merge', target, existing: (text) => editWorkflow(text), create: true };
      return proposal;
    }
    case 'docs':
      return proposal;
  }
}

function shown(dir: string): string {
  return dir === '' ? 'the repository root' : `${dir}/`;
}

/** Files in the repository below `dir`, relative to it: an ignore file must not start hiding them. */
function visibleBelow(context: MergeContext, dir: string): string[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  return context.visible.filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length));
}

/** The template package.json's versions of `names`. */
function pickDependencies(template: string, names: readonly string[]): Record<string, string> {
  const parsed = JSON.parse(template) as { dependencies?: Record<string, string> };
  return Object.fromEntries(names.filter((name) => parsed.dependencies?.[name] !== undefined).map((name) => [name, parsed.dependencies![name]!]));
}

function mergeFile(context: MergeContext, file: ProjectFile, decision: Extract<Decision, { kind: 'merge' }>): void {
  const { tree } = context;
  const template = file.content.toString('utf8');
  const current = tree.readText(decision.target);
  const layer = file.layer;
  context.handled ??= new Set();
  context.handled.add(decision.target);
  if (current === undefined) {
    if (decision.create === false) return;
    const content = typeof decision.create === 'function' ? decision.create(template) : template;
    if (content === undefined) return;
    tree.write(decision.target, content, { executable: file.executable });
    if (content === template) context.created.set(decision.target, { layer, sha256: sha256(file.content) });
    context.actions.push({ kind: 'create', path: decision.target, layer, details: [] });
    return;
  }
  if (current === template) {
    context.actions.push({ kind: 'unchanged', path: decision.target, layer, details: [] });
    return;
  }
  if (decision.existing === 'leave') {
    context.actions.push({ kind: 'unchanged', path: decision.target, layer, details: ['yours: left as it is'] });
    return;
  }
  if (decision.existing === 'proposal') {
    writeProposal(context, decision.target, file.content, layer, 'no safe structural merge for this kind of file');
    return;
  }
  applyEdit(context, decision.target, layer, decision.existing(current, template), file.content);
}

function applyEdit(context: MergeContext, target: string, layer: AddAction['layer'], result: EditResult, proposal: Buffer | undefined): void {
  if (result.kind === 'edited') {
    context.tree.write(target, result.text, { executable: context.tree.isExecutable(target) });
    // A file this run created from one template and then merged another one into (two templates on one path,
    // as the base and web .gitignore files with the web app at the root) is no longer any single template's
    // render: it is not recorded, so diff and upgrade never compare it with a render it does not match.
    context.created.delete(target);
    context.actions.push({ kind: 'edit', path: target, layer, details: [...result.changes, ...result.notes] });
  } else if (result.kind === 'unchanged') {
    // A file two templates merge into (the root .gitignore of a web app at the root) is listed once.
    if (!context.actions.some((action) => action.path === target)) context.actions.push({ kind: 'unchanged', path: target, layer, details: result.notes });
  } else if (proposal !== undefined) {
    writeProposal(context, target, proposal, layer, result.reason);
  } else {
    context.actions.push({ kind: 'skip', path: target, layer, details: [`not edited: ${result.reason}`] });
  }
}

function writeProposal(context: MergeContext, target: string, content: Buffer, layer: AddAction['layer'], reason: string): void {
  context.tree.write(`${target}${PROPOSAL_SUFFIX}`, content);
  context.actions.push({ kind: 'proposal', path: target, layer, details: [`${reason}: compare with ${path.posix.basename(target)}${PROPOSAL_SUFFIX} and merge by hand`] });
}

/**
 * Every file of a kind in the repository gets the editor's hardening, not only the one the stack would write:
 * every Compose file its service hardening, every workflow top-level permissions and credential-free checkouts.
 */
function hardenEvery(context: MergeContext, files: readonly string[], layer: AddAction['layer'], edit: (text: string) => EditResult): void {
  for (const file of files) {
    if (context.handled?.has(file)) continue;
    const text = context.tree.readText(file);
    if (text === undefined) continue;
    applyEdit(context, file, layer, edit(text), undefined);
  }
}

/**
 * Every other Dockerfile's folder (its default build context) gets the .dockerignore lines that keep .git,
 * .env files, keys and dependencies out of the build (CTR-05), from the api image's template.
 */
function guardBuildContexts(context: MergeContext, files: readonly ProjectFile[]): void {
  const template = files.find((file) => file.path === 'api/.dockerignore') ?? files.find((file) => file.path === 'web/.dockerignore');
  if (template === undefined) return;
  const contexts = [...new Set(context.detected.dockerfiles.map(dirOf))];
  for (const dir of contexts) {
    const target = inDir(dir, '.dockerignore');
    if (context.handled?.has(target)) continue;
    context.handled?.add(target);
    const current = context.tree.readText(target) ?? '';
    const result = editIgnoreFile({
      text: current,
      template: template.content.toString('utf8'),
      skip: DOCKERIGNORE_KEEP_OUT,
    });
    if (current === '' && result.kind === 'edited') {
      context.tree.write(target, result.text);
      context.actions.push({ kind: 'create', path: target, layer: 'containers', details: result.notes });
    } else {
      applyEdit(context, target, 'containers', result, undefined);
    }
  }
}

/**
 * The manifest after `add`: answers and layers (each with its folder), and the hashes of the files created
 * exactly as the templates render them (edited and proposed files are the user's, not generated). An earlier
 * manifest's entries are kept.
 */
function manifestAfterAdd(rendered: Manifest, previous: Manifest | undefined, context: MergeContext): Manifest {
  const layers: Manifest['layers'] = { ...(previous?.layers ?? {}) };
  layers.base = { directory: baseLayer.directory, generated: true };
  for (const layer of context.layers) {
    layers[layer] = { directory: isPlacedLayer(layer) ? context.dirs[layer] : LAYERS[layer].directory, generated: LAYERS[layer].generated };
  }
  const files: Manifest['files'] = { ...(previous?.files ?? {}) };
  for (const [filePath, entry] of context.created) files[filePath] = entry;
  const sortedFiles = Object.fromEntries(Object.keys(files).sort().map((key) => [key, files[key]!]));
  // `origin: add` tells diff and upgrade to place files as add does and to consider only the recorded ones. A
  // manifest of `new` stays one while add leaves its layers and files as they were (a run that found nothing
  // to create); once add creates a file or adds a layer, the repository is no longer the stack's own layout.
  const keepsNewManifest =
    previous !== undefined &&
    previous.origin === undefined &&
    PLACED_LAYERS.every((layer) => previous.layers[layer] === undefined || previous.layers[layer].directory === DEFAULT_DIRS[layer]) &&
    context.created.size === 0 &&
    JSON.stringify(canonicalLayers(previous.answers.layers as LayerName[])) === JSON.stringify(context.layers);
  return {
    ...rendered,
    ...(keepsNewManifest ? {} : { origin: 'add' as const }),
    ...(previous ? { tool: rendered.tool, templateVersion: previous.templateVersion, generatedOn: previous.generatedOn } : {}),
    layers: Object.fromEntries(['base', ...canonicalLayers(Object.keys(layers).filter((id) => id !== 'base') as LayerName[])].map((id) => [id, layers[id as keyof typeof layers]!])),
    files: sortedFiles,
    ...(previous?.suppressions ? { suppressions: previous.suppressions } : {}),
    ...(previous?.components ? { components: previous.components } : {}),
  };
}
