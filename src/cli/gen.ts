/**
 * `secure-stack gen <route|table|action|page> <name> [--yes] [--dry-run] [--json]` at the root of a generated
 * repository. Exit codes: 0 written (or planned with --dry-run), 2 bad input: unknown generator, invalid name, a
 * file it would create exists, the layer it needs is missing, no manifest, no terminal without --yes (nothing
 * written), 130 cancelled at the confirmation (nothing written).
 */
import * as path from 'node:path';
import { CancelledError, UsageError } from '../errors.js';
import { GENERATOR_NAMES, generateComponent, isGeneratorName } from '../gen/gen.js';
import { todayUtc } from '../pipeline/context.js';
import { DiskAdapter } from '../tree/disk.js';
import { Tree, type PlannedFile } from '../tree/tree.js';
import { parseCommandArgs } from './args.js';
import { GEN_HELP } from './help.js';
import { painter, writeLine, type CliIO } from './output.js';

const OPTIONS = {
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface GenRunOptions {
  /** Asks the user to confirm the plan; defaults to a clack prompt on a terminal. */
  confirm?: (message: string) => Promise<boolean>;
}

export async function runGen(argv: string[], io: CliIO, runOptions: GenRunOptions = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(GEN_HELP);
    return 0;
  }
  const [generator, name, ...extra] = positionals;
  if (generator === undefined || !isGeneratorName(generator)) {
    throw new UsageError(`gen needs a generator: ${GENERATOR_NAMES.join(', ')}${generator === undefined ? '' : ` (got ${JSON.stringify(generator)})`}`);
  }
  if (name === undefined) throw new UsageError(`gen ${generator} needs a name, e.g. secure-stack gen ${generator} ${generator === 'action' ? 'createInvoice' : 'invoices'}`);
  if (extra.length > 0) throw new UsageError(`gen takes one generator and one name, got also: ${extra.join(' ')}`);
  const dryRun = values['dry-run'] === true;
  const confirm = runOptions.confirm ?? (io.stdin.isTTY ? (message: string) => confirmOnTerminal(message, io) : undefined);
  if (!dryRun && values.yes !== true && confirm === undefined) {
    throw new UsageError('no terminal to confirm on: pass --yes to write the files, or --dry-run to see the plan');
  }

  const tree = new Tree(new DiskAdapter(path.resolve(io.cwd)));
  const result = await generateComponent(tree, { generator, name, generatedOn: todayUtc(io.env) });
  const changes = result.plan.filter((file) => file.kind !== 'UNCHANGED');
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ schemaVersion: 1, generator, name, dryRun, files: changes.map((file) => ({ path: file.path, action: file.kind })) }, null, 2));
  } else {
    printPlan(io, changes);
  }
  if (dryRun) {
    if (!values.json) writeLine(io.stdout, `dry run: nothing written (${summarise(changes)})`);
    return 0;
  }
  if (values.yes !== true && !(await confirm!(`Write ${summarise(changes)}?`))) throw new CancelledError();
  await tree.commit();
  if (!values.json) {
    writeLine(io.stdout, `${painter(io.stdout, io.env).green('✔')} gen ${generator} ${name}: ${summarise(changes)}; .secure-stack.yaml records the component`);
  }
  return 0;
}

function printPlan(io: CliIO, plan: PlannedFile[]): void {
  const paint = painter(io.stdout, io.env);
  for (const file of plan) {
    const label = `${file.kind.padEnd(6)} ${file.path}`;
    writeLine(io.stdout, file.kind === 'CREATE' ? paint.green(label) : paint.yellow(label));
  }
}

function summarise(plan: PlannedFile[]): string {
  const count = (kind: PlannedFile['kind']): number => plan.filter((file) => file.kind === kind).length;
  return `${count('CREATE')} to create, ${count('UPDATE')} to update`;
}

async function confirmOnTerminal(message: string, io: CliIO): Promise<boolean> {
  const prompts = await import('@clack/prompts');
  const answer = await prompts.confirm({ message, initialValue: true, input: io.stdin as NodeJS.ReadStream, output: io.stdout });
  return prompts.isCancel(answer) ? false : answer;
}
