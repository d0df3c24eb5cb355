/**
 * `secure-stack diff [--exit-code] [--json]` at the root of a generated repository.
 *
 * JSON output (`--json`), schemaVersion 1:
 *   {
 *     "schemaVersion": 1,
 *     "root": "/abs/path",
 *     "recordedTemplateVersion": "0.1.0",   // from .secure-stack.yaml
 *     "templateVersion": "0.1.0",           // this tool's templates
 *     "clean": true,                        // no file differs
 *     "completedInterruptedUpgrade": [],    // paths an interrupted upgrade left half done, finished first
 *     "files": [{
 *       "path": "api/app/main.py",
 *       "status": "missing" | "changed" | "extra",
 *       "changedBy": "you" | "template" | "both",
 *       "reason": "you changed this file",
 *       "binary": false,
 *       "patch": "diff --git a/… b/…\n--- a/…\n+++ b/…\n@@ … @@\n…"   // a/ = template, b/ = repository
 *     }]
 *   }
 * Exit codes: 0 (also when files differ, unless --exit-code), 1 with --exit-code when anything differs,
 * 2 bad usage or no manifest.
 */
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { diffRepository, type FileDrift } from '../lifecycle/diff.js';
import { DiskAdapter } from '../tree/disk.js';
import { Tree } from '../tree/tree.js';
import { parseCommandArgs } from './args.js';
import { DIFF_HELP } from './help.js';
import { painter, writeLine, type CliIO } from './output.js';

const OPTIONS = {
  'exit-code': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runDiff(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(DIFF_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`diff takes no arguments (run it at the root of the repository), got: ${positionals.join(' ')}`);
  }
  const report = await diffRepository(new Tree(new DiskAdapter(path.resolve(io.cwd))));
  const differs = report.files.length > 0;
  if (values.json) {
    const { root, recordedTemplateVersion, templateVersion, completedInterruptedUpgrade, files } = report;
    writeLine(
      io.stdout,
      JSON.stringify({ schemaVersion: 1, root, recordedTemplateVersion, templateVersion, clean: !differs, completedInterruptedUpgrade, files }, null, 2),
    );
  } else {
    if (report.completedInterruptedUpgrade.length > 0) {
      writeLine(io.stderr, `secure-stack: completed an interrupted upgrade first (${report.completedInterruptedUpgrade.length} file(s)); review and commit it`);
    }
    for (const file of report.files) printFile(io, file);
    const summary = differs
      ? `${report.files.length} file(s) differ from templates ${report.templateVersion} with the recorded answers`
      : `no difference from templates ${report.templateVersion} with the recorded answers`;
    writeLine(io.stderr, summary);
  }
  return values['exit-code'] && differs ? 1 : 0;
}

function printFile(io: CliIO, file: FileDrift): void {
  const paint = painter(io.stdout, io.env);
  writeLine(io.stdout, paint.yellow(`# ${file.status}: ${file.reason}`));
  for (const line of file.patch.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('diff --git') || line.startsWith('--- ') || line.startsWith('+++ ') || /^(old|new|deleted file|new file) mode/.test(line)) {
      writeLine(io.stdout, paint.bold(line));
    } else if (line.startsWith('@@')) writeLine(io.stdout, paint.cyan(line));
    else if (line.startsWith('+')) writeLine(io.stdout, paint.green(line));
    else if (line.startsWith('-')) writeLine(io.stdout, paint.red(line));
    else writeLine(io.stdout, line);
  }
}
