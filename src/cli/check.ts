/**
 * `secure-stack check [PATH]`: audit a repository against the control catalog. Read-only: files are
 * parsed, never executed; the only write is `--write-baseline FILE`. Exit 0: no active finding at or above
 * --fail-on (suppressed findings and those unchanged against the baseline do not count); 1: findings;
 * 2: usage error (one line on stderr, nothing on stdout, nothing written).
 */
import * as path from 'node:path';
import type { Severity } from '../controls/catalog.js';
import { UsageError } from '../errors.js';
import { pathKind, readUserFile, writeUserFileAtomic } from '../tree/disk.js';
import { CHECK_HELP } from './help.js';
import { parseCommandArgs } from './args.js';
import { writeLine, type CliIO } from './output.js';

const OPTIONS = {
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  baseline: { type: 'string' },
  'write-baseline': { type: 'string' },
  'show-suppressed': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface CheckOptions {
  path: string;
  format: Format;
  failOn: Severity;
  /** Compare against this baseline file (as given, relative to the cwd). */
  baseline?: string;
  /** Write the unsuppressed findings to this baseline file (as given, relative to the cwd). */
  writeBaseline?: string;
  showSuppressed: boolean;
}

export function parseCheckArgs(argv: string[]): CheckOptions | 'help' {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`one PATH expected, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: "${format}" is not one of ${FORMATS.join('|')}`);
  const failOn = values['fail-on'] ?? 'high';
  if (!(SEVERITIES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on: "${failOn}" is not one of ${SEVERITIES.join('|')}`);
  for (const flag of ['baseline', 'write-baseline'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag}: a file name is required`);
  }
  if (values.baseline !== undefined && values['write-baseline'] !== undefined) {
    throw new UsageError('--baseline and --write-baseline cannot be combined: the written baseline is every current finding anyway');
  }
  return {
    path: positionals[0] ?? '.',
    format: format as Format,
    failOn: failOn as Severity,
    ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
    ...(values['write-baseline'] === undefined ? {} : { writeBaseline: values['write-baseline'] }),
    showSuppressed: values['show-suppressed'] === true,
  };
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

  const { parseBaseline, makeBaseline, serializeBaseline, applyBaseline, isBaselineFile } = await import('../check/baseline.js');
  const baseline =
    options.baseline === undefined
      ? undefined
      : parseBaseline(readUserFile(path.resolve(io.cwd, options.baseline), '--baseline', options.baseline).text, `--baseline ${options.baseline}`);

  const { checkRepository } = await import('../check/run.js');
  const { reproducibleNow } = await import('../clock.js');
  const result = checkRepository(root, { now: reproducibleNow(io.env), // SOURCE_DATE_EPOCH makes a report reproducible, expiries included
    ...(baseline === undefined ? {} : { baseline }) });

  if (options.writeBaseline !== undefined) {
    const written = makeBaseline(result.findings);
    writeUserFileAtomic(
      path.resolve(io.cwd, options.writeBaseline),
      serializeBaseline(written),
      '--write-baseline',
      { kind: 'a secure-stack baseline', test: isBaselineFile },
      options.writeBaseline,
    );
    // Report as the next run with this baseline will see it: every unsuppressed finding is known.
    applyBaseline(result.findings, written);
    writeLine(io.stderr, `secure-stack: wrote ${written.findings.length} finding(s) to the baseline ${options.writeBaseline}`);
  }

  const { formatJson, isFailing } = await import('../check/report/json.js');
  if (options.format === 'json') io.stdout.write(formatJson(result, options.failOn));
  else if (options.format === 'sarif') {
    const { formatSarif } = await import('../check/report/sarif.js');
    io.stdout.write(formatSarif(result));
  } else {
    const { formatText } = await import('../check/report/text.js');
    io.stdout.write(formatText(result, options.failOn, { showSuppressed: options.showSuppressed }));
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
