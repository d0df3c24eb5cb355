import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { UsageError } from '../errors.js';

/** Strict parsing of a subcommand's flags and positionals; a bad flag is a one-line usage error (exit 2). */
export function parseCommandArgs<const Options extends OptionsConfig>(
  argv: string[],
  options: Options,
): ReturnType<typeof parseArgs<{ args: string[]; options: Options; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(((error as Error).message.split('\n')[0] ?? 'bad arguments').replace(/\. To specify .*$/, ''));
  }
}
