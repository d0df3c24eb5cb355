/**
 * `secure-stack add [layer...]`: detect what the repository in the current directory has, ask (or take from
 * flags) which layers to add and where each lives, then add the missing hardened pieces through the Tree.
 * Refuses a dirty git tree (the user must be able to review and revert what `add` wrote) unless told.
 */
import * as prompts from '@clack/prompts';
import { LAYER_IDS, type LayerName } from '../answers/schema.js';
import { CancelledError, UsageError } from '../errors.js';
import { LAYERS } from '../layers/registry.js';
import { MANIFEST_FILE } from '../manifest/manifest.js';
import { todayUtc } from '../pipeline/context.js';
import { shellQuote } from '../render/escape.js';
import { DiskAdapter } from '../tree/disk.js';
import { toSafeRelativePath } from '../tree/paths.js';
import { Tree, type PlannedFile } from '../tree/tree.js';
import { DEFAULT_DIRS, DIR_FLAGS, dirCandidates, PLACED_LAYERS, type LayerDirs, type PlacedLayer } from '../lifecycle/add-layout.js';
import { trackedFiles } from '../lifecycle/add-git.js';
import { planAdd, PROPOSAL_SUFFIX, readExistingManifest, type AddResult } from '../lifecycle/add.js';
import { detectRepository, type DetectedRepository } from '../lifecycle/detect.js';
import { workingTreeState } from '../lifecycle/git.js';
import { parseCommandArgs } from './args.js';
import { ADD_HELP } from './help.js';
import { painter, writeLine, type CliIO } from './output.js';
import type { WizardStreams } from './wizard.js';

const OPTIONS = {
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  'allow-dirty': { type: 'boolean' },
  'api-dir': { type: 'string' },
  'web-dir': { type: 'string' },
  'db-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface AddCommandOptions {
  layers: LayerName[];
  dirs: Partial<LayerDirs>;
  yes: boolean;
  dryRun: boolean;
  allowDirty: boolean;
  json: boolean;
}

export interface AddRunOptions {
  wizardStreams?: WizardStreams;
}

export function parseAddArgs(argv: string[]): AddCommandOptions | 'help' {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return 'help';
  const layers: LayerName[] = [];
  for (const name of positionals.flatMap((word) => word.split(',')).filter(Boolean)) {
    if (!(LAYER_IDS as readonly string[]).includes(name)) throw new UsageError(`unknown layer "${name}" (choose from ${LAYER_IDS.join(', ')})`);
    if (!layers.includes(name as LayerName)) layers.push(name as LayerName);
  }
  const dirs: Partial<LayerDirs> = {};
  for (const layer of PLACED_LAYERS) {
    const given = values[`${layer}-dir`];
    if (given !== undefined) dirs[layer] = normaliseDir(given, DIR_FLAGS[layer]);
  }
  return {
    layers,
    dirs,
    yes: values.yes ?? false,
    dryRun: values['dry-run'] ?? false,
    allowDirty: values['allow-dirty'] ?? false,
    json: values.json ?? false,
  };
}

/** A folder relative to the repository root ('' for the root itself), never outside it. */
function normaliseDir(value: string, flag: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.') return '';
  try {
    return toSafeRelativePath(trimmed);
  } catch (error) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: ${(error as Error).message}`);
  }
}

export async function runAdd(argv: string[], io: CliIO, runOptions: AddRunOptions = {}): Promise<number> {
  const parsed = parseAddArgs(argv);
  if (parsed === 'help') {
    io.stdout.write(ADD_HELP);
    return 0;
  }
  const options = parsed;
  const streams = runOptions.wizardStreams ?? (io.stdin.isTTY ? { input: io.stdin as NodeJS.ReadStream, output: io.stdout } : undefined);
  const needsQuestions = !options.yes;
  if (needsQuestions && streams === undefined) {
    throw new UsageError('no terminal to ask questions on: pass --yes (with the layers and --api-dir/--web-dir/--db-dir as needed) to add non-interactively');
  }

  const tree = new Tree(new DiskAdapter(io.cwd));
  // Before any question: a tree with uncommitted changes would mix the user's work with what add writes.
  if (!options.dryRun && !options.allowDirty) await refuseUnreviewable(io);

  const detected = detectRepository(tree);
  const previous = readExistingManifest(tree);
  let layers = options.layers.length > 0 ? options.layers : detectedLayers(detected, (previous?.answers.layers ?? []) as LayerName[]);
  const candidates = dirCandidates(detected);
  const dirs: LayerDirs = { ...DEFAULT_DIRS };
  const previousDirs = (layer: PlacedLayer): string | undefined => previous?.layers[layer]?.directory;

  if (needsQuestions) {
    const io2 = { input: streams!.input, output: streams!.output };
    const cancel = (): never => {
      prompts.cancel('Cancelled; nothing was written.', io2);
      throw new CancelledError();
    };
    prompts.intro(`secure-stack add: ${describeDetection(detected)}`, io2);
    if (options.layers.length === 0) {
      const chosen = await prompts.multiselect<LayerName>({
        ...io2,
        message: 'Layers to add',
        options: LAYER_IDS.map((id) => ({ value: id, label: LAYERS[id].title, hint: LAYERS[id].summary })),
        initialValues: layers,
        required: true,
      });
      if (prompts.isCancel(chosen)) cancel();
      layers = chosen as LayerName[];
    }
    for (const layer of PLACED_LAYERS) {
      if (!layers.includes(layer) || options.dirs[layer] !== undefined) continue;
      const known = previousDirs(layer);
      const found = known !== undefined ? [known] : candidates[layer];
      const answer = await prompts.text({
        ...io2,
        message: `Folder of the ${LAYERS[layer].title} (relative to the repository root; "." for the root)${found.length > 1 ? `: found ${found.map(showDir).join(', ')}` : ''}`,
        initialValue: showDir(found[0] ?? DEFAULT_DIRS[layer]),
        validate: (value) => {
          try {
            normaliseDir(value ?? '', DIR_FLAGS[layer]);
            return undefined;
          } catch (error) {
            return (error as Error).message;
          }
        },
      });
      if (prompts.isCancel(answer)) cancel();
      dirs[layer] = normaliseDir(answer as string, DIR_FLAGS[layer]);
    }
  } else if (layers.length === 0) {
    throw new UsageError('nothing detected to harden: name the layers to add (e.g. `secure-stack add api web --yes`)');
  }

  for (const layer of PLACED_LAYERS) {
    if (!layers.includes(layer)) continue;
    const given = options.dirs[layer];
    if (given !== undefined) {
      dirs[layer] = given;
      continue;
    }
    if (needsQuestions) continue;
    const known = previousDirs(layer);
    if (known !== undefined) dirs[layer] = known;
    else if (candidates[layer].length > 1) {
      throw new UsageError(
        `the ${layer} layer could be in ${candidates[layer].map(showDir).join(' or ')}: pass ${DIR_FLAGS[layer]} to say which`,
      );
    } else if (candidates[layer].length === 1) dirs[layer] = candidates[layer][0]!;
  }

  // A layer an earlier run placed and this run does not name stays where it is (planAdd keeps it there too).
  for (const layer of PLACED_LAYERS) {
    const known = previousDirs(layer);
    if (!layers.includes(layer) && known !== undefined) dirs[layer] = known;
  }

  const tracked = await trackedFiles(io.cwd, io.env);
  const result = await planAdd(tree, detected, { layers, dirs, today: todayUtc(io.env), tracked });
  const command = equivalentAddCommand(result, dirs, options.allowDirty);
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(addJson(result, options.dryRun, command), null, 2));
    if (!options.dryRun) await tree.commit();
    return 0;
  }
  printActions(io, result);
  if (options.dryRun) {
    writeLine(io.stdout, `dry run: nothing written (${summarise(result.plan)})`);
  } else {
    await tree.commit();
    writeLine(io.stdout, `${painter(io.stdout, io.env).green('✔')} ${summarise(result.plan)}; ${MANIFEST_FILE} records the layers and the files created`);
  }
  writeLine(io.stdout);
  writeLine(io.stdout, 'Same without questions:');
  writeLine(io.stdout, `  ${command}`);
  return 0;
}

/** add writes into the user's repository: only where git can show and undo what it did. */
async function refuseUnreviewable(io: CliIO): Promise<void> {
  const state = await workingTreeState(io.cwd, io.env);
  if (state.kind === 'clean') return;
  if (state.kind === 'dirty') {
    const shown = state.entries.slice(0, 5).join(', ');
    const more = state.entries.length > 5 ? ` and ${state.entries.length - 5} more` : '';
    throw new UsageError(`the git working tree has uncommitted changes (${shown}${more}): commit or stash them first, or pass --allow-dirty; nothing written`);
  }
  const why = state.kind === 'git-unavailable' ? 'git is not installed' : 'this is not a git repository';
  throw new UsageError(`${why}, so what add changes could not be reviewed or undone: pass --allow-dirty to add anyway; nothing written`);
}

/** With --yes and no layer named: the layers whose kind of files the repository has, and the manifest's. */
function detectedLayers(detected: DetectedRepository, recorded: LayerName[]): LayerName[] {
  const found: LayerName[] = [...recorded];
  if (detected.fastapiDirs.length > 0) found.push('api');
  if (detected.nextDirs.length > 0) found.push('web');
  if (detected.dbDirs.length > 0) found.push('db');
  if (detected.dockerfiles.length > 0 || detected.composeFiles.length > 0) found.push('containers');
  if (detected.workflows.length > 0) found.push('ci');
  return LAYER_IDS.filter((layer) => found.includes(layer));
}

function describeDetection(detected: DetectedRepository): string {
  const parts = [
    detected.fastapiDirs.length > 0 ? `FastAPI in ${detected.fastapiDirs.map(showDir).join(', ')}` : '',
    detected.nextDirs.length > 0 ? `Next.js in ${detected.nextDirs.map(showDir).join(', ')}` : '',
    detected.dbDirs.length > 0 ? `migrations in ${detected.dbDirs.map(showDir).join(', ')}` : '',
    detected.dockerfiles.length > 0 ? `${detected.dockerfiles.length} Dockerfile(s)` : '',
    detected.composeFiles.length > 0 ? `${detected.composeFiles.length} Compose file(s)` : '',
    detected.workflows.length > 0 ? `${detected.workflows.length} workflow(s)` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `found ${parts.join(', ')}` : 'found no FastAPI, Next.js, migrations, containers or workflows';
}

function showDir(dir: string): string {
  return dir === '' ? '.' : dir;
}

function printActions(io: CliIO, result: AddResult): void {
  const paint = painter(io.stdout, io.env);
  const label = { create: paint.green('CREATE   '), edit: paint.yellow('EDIT     '), proposal: paint.red('PROPOSAL '), unchanged: paint.dim('UNCHANGED'), skip: paint.dim('SKIP     ') };
  for (const action of result.actions) {
    const shownPath = action.kind === 'proposal' ? `${action.path}${PROPOSAL_SUFFIX}` : action.path;
    const head = action.path === '' ? `${label[action.kind]} ${action.details[0]}` : `${label[action.kind]} ${shownPath}`;
    writeLine(io.stdout, head);
    for (const detail of action.path === '' ? action.details.slice(1) : action.details) writeLine(io.stdout, `            ${detail}`);
  }
  const manifest = result.plan.find((file) => file.path === MANIFEST_FILE);
  if (manifest !== undefined && manifest.kind !== 'UNCHANGED') writeLine(io.stdout, `${manifest.kind === 'CREATE' ? label.create : label.edit} ${MANIFEST_FILE}`);
}

function summarise(plan: PlannedFile[]): string {
  const count = (kind: PlannedFile['kind']): number => plan.filter((file) => file.kind === kind).length;
  return `${count('CREATE')} to create, ${count('UPDATE')} to update, ${count('UNCHANGED')} unchanged`;
}

/** The command that repeats this run without questions. */
export function equivalentAddCommand(result: AddResult, dirs: LayerDirs, allowDirty: boolean): string {
  const layers = result.answers.layers;
  const words = ['npx secure-stack add', ...layers, '--yes'];
  for (const layer of PLACED_LAYERS) {
    if (layers.includes(layer)) words.push(`${DIR_FLAGS[layer]} ${shellQuote(showDir(dirs[layer]))}`);
  }
  if (allowDirty) words.push('--allow-dirty');
  return words.join(' ');
}

function addJson(result: AddResult, dryRun: boolean, command: string) {
  return {
    dryRun,
    answers: result.answers,
    layers: result.manifest.layers,
    modes: result.modes,
    actions: result.actions.map((action) => ({
      action: action.kind,
      path: action.kind === 'proposal' ? `${action.path}${PROPOSAL_SUFFIX}` : action.path,
      ...(action.kind === 'proposal' ? { file: action.path } : {}),
      layer: action.layer,
      details: action.details,
    })),
    files: result.plan.map((file) => ({ path: file.path, action: file.kind })),
    command,
  };
}
