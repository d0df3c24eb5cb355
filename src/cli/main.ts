/**
 * The CLI dispatcher, thin over the library: it maps subcommands to their modules (loaded only when
 * used, so `--help` stays fast) and errors to exit codes.
 */
import { SecureStackError } from '../errors.js';
import { MAIN_HELP } from './help.js';
import { writeLine, type CliIO } from './output.js';
import type { NewRunOptions } from './new.js';

const COMMANDS = ['new', 'check', 'add', 'diff', 'upgrade', 'gen', 'help'] as const;

export async function main(argv: string[], io: CliIO, options: NewRunOptions = {}): Promise<number> {
  try {
    return await dispatch(argv, io, options);
  } catch (error) {
    if (error instanceof SecureStackError) {
      if (error.exitCode !== 130) writeLine(io.stderr, `secure-stack: ${error.message}`);
      else writeLine(io.stderr, error.message);
      return error.exitCode;
    }
    writeLine(io.stderr, `secure-stack: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIO, options: NewRunOptions): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || (command === 'help' && rest.length === 0)) {
    io.stdout.write(MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    const { TOOL_VERSION } = await import('../package-root.js');
    writeLine(io.stdout, TOOL_VERSION);
    return 0;
  }
  if (command === 'help') return dispatch([rest[0]!, '--help'], io, options);
  if (command === 'new') {
    const { runNew } = await import('./new.js');
    return runNew(rest, io, options);
  }
  if (command === 'check') {
    const { runCheck } = await import('./check.js');
    return runCheck(rest, io);
  }
  if (command === 'add') {
    const { runAdd } = await import('./add.js');
    return runAdd(rest, io, options);
  }
  if (command === 'diff') {
    const { runDiff } = await import('./diff.js');
    return runDiff(rest, io);
  }
  if (command === 'upgrade') {
    const { runUpgrade } = await import('./upgrade.js');
    return runUpgrade(rest, io);
  }
  if (command === 'gen') {
    const { runGen } = await import('./gen.js');
    return runGen(rest, io);
  }
  io.stderr.write(`secure-stack: unknown command "${command}" (commands: ${COMMANDS.join(', ')})\n\n${MAIN_HELP}`);
  return 2;
}
