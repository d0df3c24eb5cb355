/**
 * `secure-stack check [PATH]`: audit a repository against the control catalog. Read-only: files are
 * parsed, never executed. Exit 0: nothing at or above --fail-on; 1: findings; 2: usage error.
 */
import * as path from 'node:path';
import type { Severity } from '../controls/catalog.js';
import { UsageError } from '../errors.js';
import { pathKind } from '../tree/disk.js';
import { CHECK_HELP } from './help.js';
import { parseCommandArgs } from './args.js';
import type { CliIO } from './output.js';

const OPTIONS = {
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface CheckOptions {
  path: string;
  format: Format;
  failOn: Severity;
}

export function parseCheckArgs(argv: string[]): CheckOptions | 'help' {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`one PATH expected, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: "${format}" is not one of ${FORMATS.join('|')}`);
  const failOn = values['fail-on'] ?? 'high';
  if (!(SEVERITIES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on: "${failOn}" is not one of ${SEVERITIES.join('|')}`);
  return { path: positionals[0] ?? '.', format: format as Format, failOn: failOn as Severity };
}

export async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const options = parseCheckArgs(argv);
  if (options === 'help') {
    io.stdout.write(await checkHelp());
    return 0;
  }
  const root = path.resolve(io.cwd, options.path);
  const kind = pathKind(root);
  if (kind === 'missing') throw new UsageError(`check: ${options.path}: no such directory`);
  if (kind !== 'directory') throw new UsageError(`check: ${options.path} is not a directory`);

  const { checkRepository } = await import('../check/run.js');
  const result = checkRepository(root);
  const { formatJson, isFailing } = await import('../check/report/json.js');
  if (options.format === 'json') io.stdout.write(formatJson(result, options.failOn));
  else if (options.format === 'sarif') {
    const { formatSarif } = await import('../check/report/sarif.js');
    io.stdout.write(formatSarif(result));
  } else {
    const { formatText } = await import('../check/report/text.js');
    io.stdout.write(formatText(result, options.failOn));
  }
  return isFailing(result, options.failOn) ? 1 : 0;
}

/** The help text, with the checks of this version listed from the registry so it never goes stale. */
async function checkHelp(): Promise<string> {
  const { CHECK_FAMILIES } = await import('../check/registry.js');
  const { getControl } = await import('../controls/catalog.js');
  const lines = CHECK_FAMILIES.flatMap((family) => [
    `  ${family.title}:`,
    ...family.checks.map((check) => `    ${check.controlId} ${getControl(check.controlId)?.title ?? ''}`.trimEnd()),
  ]);
  return CHECK_HELP.replace('{{CHECKS}}', lines.join('\n'));
}
