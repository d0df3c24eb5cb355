/**
 * `secure-stack new <name>` / `npm create secure-stack <name>`: answers → render → Tree → commit.
 * Everything that can fail on bad input fails before the first byte is written.
 */
import * as path from 'node:path';
import { deriveNames } from '../answers/names.js';
import { mergeAnswers, finaliseAnswers } from '../answers/resolve.js';
import { CLOUDS, LAYER_IDS, partialAnswersSchema, type AnswerKey, type Answers, type PartialAnswers } from '../answers/schema.js';
import { validate } from '../config/validation.js';
import { UsageError } from '../errors.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../manifest/manifest.js';
import { todayUtc } from '../pipeline/context.js';
import { writeProject, type RenderedProject } from '../pipeline/generate.js';
import { shellQuote } from '../render/escape.js';
import { loadPrecompiledTemplates } from '../render/templates.js';
import { DiskAdapter } from '../tree/disk.js';
import { Tree, type PlannedFile } from '../tree/tree.js';
import { NEW_HELP } from './help.js';
import { parseCommandArgs } from './args.js';
import { painter, writeLine, type CliIO } from './output.js';
import { finishRepository, type PostStepReport } from './post-steps.js';
import type { WizardStreams } from './wizard.js';

const OPTIONS = {
  preset: { type: 'string' },
  answers: { type: 'string' },
  layers: { type: 'string' },
  cloud: { type: 'string' },
  'multi-tenant': { type: 'boolean' },
  'no-multi-tenant': { type: 'boolean' },
  'oidc-issuer': { type: 'string' },
  'oidc-audience': { type: 'string' },
  'security-contact': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  git: { type: 'boolean' },
  'no-git': { type: 'boolean' },
  install: { type: 'boolean' },
  'no-install': { type: 'boolean' },
  'allow-nonempty': { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'pin-digests': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FLAG_NAMES: Partial<Record<AnswerKey, string>> = {
  layers: '--layers',
  cloud: '--cloud',
  multiTenant: '--multi-tenant',
  oidcIssuer: '--oidc-issuer',
  oidcAudience: '--oidc-audience',
  securityContact: '--security-contact',
};

export interface NewOptions {
  projectName?: string;
  preset?: string;
  answersFile?: string;
  flags: PartialAnswers;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
  git: boolean;
  install: boolean | undefined;
  allowNonempty: boolean;
  overwrite: boolean;
  pinDigests: boolean;
}

export interface NewRunOptions {
  /** Streams for the wizard; when absent the wizard runs only on a real terminal. */
  wizardStreams?: WizardStreams;
}

export async function runNew(argv: string[], io: CliIO, runOptions: NewRunOptions = {}): Promise<number> {
  const parsed = parseNewArgs(argv);
  if (parsed === 'help') {
    io.stdout.write(NEW_HELP);
    return 0;
  }
  const options = parsed;
  if (options.projectName !== undefined) deriveNames(options.projectName); // refuse a hostile name first

  const interactive = !options.yes;
  const streams = runOptions.wizardStreams ?? (io.stdin.isTTY ? { input: io.stdin as NodeJS.ReadStream, output: io.stdout } : undefined);
  if (interactive && streams === undefined) {
    throw new UsageError('no terminal to ask questions on: pass --yes (with flags or --answers FILE) to create the project non-interactively');
  }

  await loadPrecompiledTemplates(); // the built-in presets come with it, read ahead of time
  const merged = mergeAnswers({
    cwd: io.cwd,
    projectName: options.projectName,
    preset: options.preset,
    answersFile: options.answersFile,
    flags: options.flags,
    flagNames: FLAG_NAMES,
  });

  let values = merged.values;
  let install = options.install ?? false;
  if (interactive) {
    const { runWizard } = await import('./wizard.js');
    const fixed = new Set<AnswerKey>([...merged.explicit, ...merged.preset.locked.keys()]);
    const result = await runWizard({ values, fixed, install: options.install, streams: streams! });
    values = result.answers;
    install = result.install;
  }
  const answers = finaliseAnswers(values, FLAG_NAMES);

  const target = path.resolve(io.cwd, answers.projectName);
  const disk = new DiskAdapter(target);
  const state = disk.rootState();
  if (state === 'not-a-directory') throw new UsageError(`${answers.projectName} exists and is not a directory`);
  if (state === 'non-empty' && !options.allowNonempty) {
    throw new UsageError(
      `directory ${answers.projectName} exists and is not empty; pass --allow-nonempty to add to it (a differing file is never replaced without --overwrite)`,
    );
  }

  // --pin-digests: ask the registries for the base images' digests; offline, the tags stay and one line says so.
  let baseImageDigests: Record<string, string> | undefined;
  const digestNotes: string[] = [];
  if (options.pinDigests && answers.layers.includes('containers')) {
    const { pinBaseImageDigests } = await import('../layers/containers/digests.js');
    const pinned = await pinBaseImageDigests();
    baseImageDigests = pinned.digests;
    if (pinned.failures.length > 0) {
      digestNotes.push(`--pin-digests: left on their tags (could not reach the registry): ${pinned.failures.join('; ')}`);
    }
  }

  const tree = new Tree(disk);
  const previous = previousGeneration(tree);
  // Digests pinned by an earlier run stay pinned (fresh ones from this run win), so a re-run is no downgrade to tags.
  const digests = { ...previous?.baseImageDigests, ...baseImageDigests };
  const project = await writeProject(tree, {
    answers,
    presets: merged.preset.chain,
    generatedOn: previous?.generatedOn ?? todayUtc(io.env),
    ...(Object.keys(digests).length > 0 ? { baseImageDigests: digests } : {}),
  });
  const paintErr = painter(io.stderr, io.env);
  for (const note of digestNotes) writeLine(io.stderr, `${paintErr.yellow('!')} ${note}`);
  const plan = tree.plan();
  const conflicts = options.overwrite ? [] : plan.filter((file) => file.kind === 'UPDATE');

  const paint = painter(io.stdout, io.env);
  if (options.dryRun) {
    if (options.json) writeLine(io.stdout, JSON.stringify(planJson(answers, target, plan, project, conflicts, true), null, 2));
    else {
      for (const file of plan) writeLine(io.stdout, `${planLabel(file, conflicts, paint)} ${file.path}`);
      writeLine(io.stdout, `dry run: nothing written (${summarise(plan)})`);
    }
    if (conflicts.length > 0) throw conflictError(conflicts);
    return 0;
  }
  if (conflicts.length > 0) throw conflictError(conflicts);

  await tree.commit();
  const post = await finishRepository({
    target,
    files: plan,
    git: options.git,
    install,
    io,
    quiet: options.json,
  });

  if (options.json) {
    writeLine(io.stdout, JSON.stringify({ ...planJson(answers, target, plan, project, [], false), ...post }, null, 2));
  } else {
    printSummary(io, answers, target, plan, project, post, paint);
    if (interactive) {
      writeLine(io.stdout);
      writeLine(io.stdout, 'Same project without questions:');
      writeLine(io.stdout, `  ${equivalentCommand(answers, merged.preset.chain.at(-1)?.name ?? 'default', install)}`);
    }
  }
  return 0;
}

export function parseNewArgs(argv: string[]): NewOptions | 'help' {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`one project name expected, got ${positionals.length}: ${positionals.join(' ')}`);
  const pair = (on: boolean | undefined, off: boolean | undefined, flag: string): boolean | undefined => {
    if (on && off) throw new UsageError(`--${flag} and --no-${flag} contradict each other`);
    return on ? true : off ? false : undefined;
  };

  const flags: Record<string, unknown> = {};
  if (values.layers !== undefined) {
    const layers = values.layers.split(',').map((layer) => layer.trim()).filter(Boolean);
    const unknown = layers.find((layer) => !(LAYER_IDS as readonly string[]).includes(layer));
    if (unknown !== undefined) throw new UsageError(`--layers: unknown layer "${unknown}" (choose from ${LAYER_IDS.join(',')})`);
    flags.layers = layers;
  }
  if (values.cloud !== undefined) {
    if (!(CLOUDS as readonly string[]).includes(values.cloud)) throw new UsageError(`--cloud: "${values.cloud}" is not one of ${CLOUDS.join('|')}`);
    flags.cloud = values.cloud;
  }
  const multiTenant = pair(values['multi-tenant'], values['no-multi-tenant'], 'multi-tenant');
  if (multiTenant !== undefined) flags.multiTenant = multiTenant;
  if (values['oidc-issuer'] !== undefined) flags.oidcIssuer = values['oidc-issuer'];
  if (values['oidc-audience'] !== undefined) flags.oidcAudience = values['oidc-audience'];
  if (values['security-contact'] !== undefined) flags.securityContact = values['security-contact'];
  const checked = validate(partialAnswersSchema, flags);
  if (!checked.success) {
    const issue = checked.problem;
    const key = issue.path[0] as AnswerKey;
    throw new UsageError(`invalid ${FLAG_NAMES[key] ?? key} ${JSON.stringify(flags[key])}: ${issue.message}`);
  }
  if (values.overwrite && !values['allow-nonempty']) throw new UsageError('--overwrite only makes sense with --allow-nonempty');

  return {
    projectName: positionals[0],
    preset: values.preset,
    answersFile: values.answers,
    flags: checked.data,
    yes: values.yes ?? false,
    dryRun: values['dry-run'] ?? false,
    json: values.json ?? false,
    git: pair(values.git, values['no-git'], 'git') ?? true,
    install: pair(values.install, values['no-install'], 'install') ?? (values.yes ? false : undefined),
    allowNonempty: values['allow-nonempty'] ?? false,
    overwrite: values.overwrite ?? false,
    pinDigests: values['pin-digests'] ?? false,
  };
}

/** A re-run keeps the first generation's date and pinned digests, so regenerating the same answers changes nothing. */
function previousGeneration(tree: Tree): Pick<Manifest, 'generatedOn' | 'baseImageDigests'> | undefined {
  const text = tree.readText(MANIFEST_FILE);
  if (text === undefined) return undefined;
  try {
    const { generatedOn, baseImageDigests } = parseManifest(text);
    return { generatedOn, baseImageDigests };
  } catch {
    return undefined;
  }
}

function conflictError(conflicts: PlannedFile[]): UsageError {
  const shown = conflicts.slice(0, 5).map((file) => file.path).join(', ');
  const more = conflicts.length > 5 ? ` and ${conflicts.length - 5} more` : '';
  return new UsageError(
    `${conflicts.length} existing file(s) differ from what would be generated (${shown}${more}); nothing written. Pass --overwrite to replace them`,
  );
}

function planLabel(file: PlannedFile, conflicts: PlannedFile[], paint: ReturnType<typeof painter>): string {
  if (conflicts.includes(file)) return paint.red('CONFLICT ');
  const label = file.kind.padEnd(9);
  return file.kind === 'CREATE' ? paint.green(label) : file.kind === 'UPDATE' ? paint.yellow(label) : paint.dim(label);
}

function summarise(plan: PlannedFile[]): string {
  const count = (kind: PlannedFile['kind']): number => plan.filter((file) => file.kind === kind).length;
  return `${count('CREATE')} to create, ${count('UPDATE')} to update, ${count('UNCHANGED')} unchanged`;
}

function planJson(answers: Answers, target: string, plan: PlannedFile[], project: RenderedProject, conflicts: PlannedFile[], dryRun: boolean) {
  return {
    dryRun,
    target,
    answers,
    presets: project.manifest.presets,
    layers: Object.keys(project.manifest.layers),
    notGeneratedYet: project.pendingLayers.map((layer) => layer.id),
    files: plan.map((file) => ({
      path: file.path,
      action: conflicts.includes(file) ? 'CONFLICT' : file.kind,
      executable: file.executable,
      bytes: file.bytes,
    })),
  };
}

function printSummary(
  io: CliIO,
  answers: Answers,
  target: string,
  plan: PlannedFile[],
  project: RenderedProject,
  post: PostStepReport,
  paint: ReturnType<typeof painter>,
): void {
  const relative = path.relative(io.cwd, target) || '.';
  writeLine(io.stdout, `${paint.green('✔')} ${answers.projectName}: ${summarise(plan)} in ${relative}`);
  for (const layer of project.pendingLayers) {
    writeLine(
      io.stdout,
      `${paint.yellow('!')} layer ${layer.id} (${layer.title}) is recorded in ${MANIFEST_FILE} but this version does not generate its files yet`,
    );
  }
  if (answers.securityContact === 'mailto:security@example.com') {
    writeLine(io.stdout, `${paint.yellow('!')} security contact is the example address: pass --security-contact before you publish`);
  }
  for (const note of post.notes) writeLine(io.stdout, `${paint.yellow('!')} ${note}`);
  writeLine(io.stdout);
  writeLine(io.stdout, 'Next steps:');
  for (const step of nextSteps(answers, shellQuote(relative))) writeLine(io.stdout, `  ${step}`);
}

/** What to run first, for the layers this project has: [command, why]. */
function nextSteps(answers: Answers, directory: string): string[] {
  const has = (layer: Answers['layers'][number]): boolean => answers.layers.includes(layer);
  const steps: Array<[string, string]> = [[`cd ${directory}`, '']];
  if (has('containers')) {
    steps.push(['scripts/make-secrets.sh', 'secrets/ (gitignored) and the database TLS pair'], ['docker compose up --build', 'see CONTAINERS.md']);
  }
  if (has('api')) steps.push(["(cd api && pip install -e '.[test]' && pytest)", "the API's attack suite"]);
  if (has('web')) steps.push(['(cd web && npm ci && npm test)', 'then npm run dev']);
  if (has('db')) steps.push(['less db/README.md', 'roles, migrations, policy tests']);
  if (has('docs')) steps.push(['less docs/security/THREAT_MODEL.md', 'fill in what only you know']);
  const width = Math.max(...steps.map(([command]) => command.length));
  return steps.map(([command, why]) => (why ? `${command.padEnd(width)}  # ${why}` : command));
}

/** The non-interactive command that reproduces an interactive run. */
export function equivalentCommand(answers: Answers, preset: string, install: boolean): string {
  const words = [
    'npm create secure-stack@latest',
    answers.projectName,
    '--',
    '--yes',
    `--preset ${shellQuote(preset)}`,
    `--layers ${answers.layers.join(',')}`,
    `--cloud ${answers.cloud}`,
    answers.multiTenant ? '--multi-tenant' : '--no-multi-tenant',
    `--oidc-issuer ${shellQuote(answers.oidcIssuer)}`,
    `--oidc-audience ${shellQuote(answers.oidcAudience)}`,
    `--security-contact ${shellQuote(answers.securityContact)}`,
    install ? '--install' : '--no-install',
  ];
  return words.join(' ');
}
