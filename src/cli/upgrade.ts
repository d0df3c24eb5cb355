/**
 * `secure-stack upgrade [--to VERSION] [--set key=value ...] [--yes] [--dry-run] [--allow-dirty]` at the root
 * of a generated repository. Exit codes: 0 upgraded (or nothing to do, or an interrupted upgrade completed),
 * 1 conflicts remain (markers written, listed), 2 bad input, dirty tree or no manifest (nothing written),
 * 130 cancelled at the confirmation (nothing written).
 */
import * as path from 'node:path';
import { CancelledError, UsageError } from '../errors.js';
import { prepareUpgrade, type PreparedUpgrade, type UpgradeStep } from '../lifecycle/upgrade.js';
import { shellQuote } from '../render/escape.js';
import { parseCommandArgs } from './args.js';
import { UPGRADE_HELP } from './help.js';
import { painter, writeLine, type CliIO } from './output.js';

const OPTIONS = {
  to: { type: 'string' },
  set: { type: 'string', multiple: true },
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  'allow-dirty': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Test-only: milliseconds to sleep before each rename of the final commit, so kill tests can land mid-commit. */
export const TEST_PAUSE_VARIABLE = 'SECURE_STACK_TEST_PAUSE_MS';

export interface UpgradeRunOptions {
  /** Asks the user to confirm the plan; defaults to a clack prompt on a terminal. */
  confirm?: (message: string) => Promise<boolean>;
}

export async function runUpgrade(argv: string[], io: CliIO, runOptions: UpgradeRunOptions = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(UPGRADE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`upgrade takes no arguments (run it at the root of the repository), got: ${positionals.join(' ')}`);
  const dryRun = values['dry-run'] ?? false;
  const yes = values.yes ?? false;
  const confirm = runOptions.confirm ?? (io.stdin.isTTY ? (message: string) => confirmOnTerminal(message, io) : undefined);
  if (!dryRun && !yes && confirm === undefined) {
    throw new UsageError('no terminal to confirm on: pass --yes to apply the upgrade, or --dry-run to see the plan');
  }
  const pause = Number(io.env[TEST_PAUSE_VARIABLE] ?? '');
  const preparation = await prepareUpgrade(path.resolve(io.cwd), {
    ...(values.to === undefined ? {} : { to: values.to }),
    set: values.set ?? [],
    allowDirty: values['allow-dirty'] ?? false,
    env: io.env,
    ...(Number.isFinite(pause) && pause > 0 ? { pauseBetweenOperationsMs: pause } : {}),
  });
  const paint = painter(io.stdout, io.env);
  if (preparation.kind === 'completed-interrupted-upgrade') {
    writeLine(io.stdout, `${paint.yellow('!')} completed an interrupted upgrade first (${preparation.paths.length} file(s)): review it, commit it, then run upgrade again for anything else`);
    return 0;
  }
  const upgrade = preparation.upgrade;
  printIntroduction(io, upgrade, paint);
  for (const step of upgrade.steps) writeLine(io.stdout, `${label(step, paint)} ${step.path}  ${paint.dim(`(${step.reason})`)}`);

  if (!upgrade.changesAnything) {
    writeLine(io.stdout, `${paint.green('✔')} already up to date: nothing to change`);
    return 0;
  }
  if (dryRun) {
    writeLine(io.stdout, `dry run: nothing written (${summarise(upgrade.steps)})`);
    printConflicts(io, upgrade, paint, true);
    return upgrade.conflicts.length > 0 ? 1 : 0;
  }
  if (!yes) {
    const accepted = await confirm!(upgrade.conflicts.length > 0 ? `Apply? ${upgrade.conflicts.length} file(s) will get conflict markers` : 'Apply the upgrade?');
    if (!accepted) throw new CancelledError();
  }
  upgrade.apply();
  writeLine(io.stdout, `${paint.green('✔')} upgraded to templates ${upgrade.toVersion}: ${summarise(upgrade.steps)}`);
  printConflicts(io, upgrade, paint, false);
  if (!yes) {
    writeLine(io.stdout);
    writeLine(io.stdout, 'Same upgrade without questions:');
    writeLine(io.stdout, `  ${equivalentUpgradeCommand(values.set ?? [], values['allow-dirty'] ?? false)}`);
  }
  return upgrade.conflicts.length > 0 ? 1 : 0;
}

/** The non-interactive command that reproduces an interactive run. */
export function equivalentUpgradeCommand(settings: readonly string[], allowDirty: boolean): string {
  return ['npx secure-stack upgrade', '--yes', ...settings.map((setting) => `--set ${shellQuote(setting)}`), ...(allowDirty ? ['--allow-dirty'] : [])].join(' ');
}

function printIntroduction(io: CliIO, upgrade: PreparedUpgrade, paint: ReturnType<typeof painter>): void {
  const answers = upgrade.answerChanges.map((change) => `${change.key} ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`);
  writeLine(io.stdout, paint.bold(`templates ${upgrade.fromVersion} → ${upgrade.toVersion}${answers.length > 0 ? `; answers: ${answers.join(', ')}` : ''}`));
  for (const section of upgrade.changelog) {
    writeLine(io.stdout, paint.bold(`What templates ${section.version} changed:`));
    for (const line of section.text.split('\n')) writeLine(io.stdout, `  ${line}`);
  }
}

function label(step: UpgradeStep, paint: ReturnType<typeof painter>): string {
  const text = step.action.padEnd(8);
  switch (step.action) {
    case 'CREATE':
      return paint.green(text);
    case 'UPDATE':
    case 'MERGE':
      return paint.yellow(text);
    case 'DELETE':
    case 'CONFLICT':
      return paint.red(text);
    case 'KEEP':
      return paint.dim(text);
  }
}

function summarise(steps: readonly UpgradeStep[]): string {
  const actions = ['CREATE', 'UPDATE', 'MERGE', 'DELETE', 'CONFLICT', 'KEEP'] as const;
  const words = { CREATE: 'created', UPDATE: 'updated', MERGE: 'merged', DELETE: 'deleted', CONFLICT: 'in conflict', KEEP: 'kept as you left them' };
  const parts = actions.map((action) => [action, steps.filter((step) => step.action === action).length] as const).filter(([, count]) => count > 0);
  return parts.length === 0 ? 'only the manifest changes' : parts.map(([action, count]) => `${count} ${words[action]}`).join(', ');
}

function printConflicts(io: CliIO, upgrade: PreparedUpgrade, paint: ReturnType<typeof painter>, dryRun: boolean): void {
  if (upgrade.conflicts.length === 0) return;
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    paint.red(dryRun ? `${upgrade.conflicts.length} file(s) would have conflicts:` : `${upgrade.conflicts.length} file(s) have conflicts: resolve the <<<<<<< blocks, then commit`),
  );
  for (const conflict of upgrade.conflicts) writeLine(io.stdout, `  ${conflict}`);
}

async function confirmOnTerminal(message: string, io: CliIO): Promise<boolean> {
  const prompts = await import('@clack/prompts');
  const answer = await prompts.confirm({ message, initialValue: false, input: io.stdin as NodeJS.ReadStream, output: io.stdout });
  return prompts.isCancel(answer) ? false : answer;
}
