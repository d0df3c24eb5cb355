#!/usr/bin/env node
/**
 * Benchmark of `secure-stack check` (whole process, median of 5 after a warm-up): on a freshly generated
 * full stack and on a synthetic 10,000-file monorepo. Target: <= 2 s for the 10,000 files on a 2-core
 * machine. Prints a table and writes bench/results/check.json. Needs `npm run build` first. bench/run.mjs
 * runs the same measurement (benchmarkCheck) as part of `npm run bench`.
 *
 *   node bench/check.mjs [--runs N] [--files N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT, SECURE_STACK_BIN, compare, machine, makeTempDir, removeDir, seconds, timeProcess } from './lib.mjs';
import { writeSyntheticRepo } from './synthetic-repo.mjs';

export const CHECK_TARGET_SECONDS = 2;

/** Times `check` on a generated full stack and on a synthetic repository of `fileCount` files; returns the result object. */
export function benchmarkCheck({ runs = 5, fileCount = 10_000 } = {}) {
  const work = makeTempDir('secure-stack-bench-check-');
  try {
    const generated = path.join(work, 'generated');
    timeProcess(process.execPath, [SECURE_STACK_BIN, 'new', 'generated', '--yes', '--no-git', '--no-install'], { cwd: work });
    const synthetic = path.join(work, 'synthetic');
    const written = writeSyntheticRepo(synthetic, fileCount);

    // check exits 1 when it finds something; both are fine here, only the time counts.
    const checkOf = (dir) => () => timeProcess(process.execPath, [SECURE_STACK_BIN, 'check', dir, '--format', 'json'], { okCodes: [0, 1] }).seconds;
    const result = compare([{ name: 'generated', run: checkOf(generated) }, { name: 'synthetic', run: checkOf(synthetic) }], runs);
    const report = JSON.parse(timeProcess(process.execPath, [SECURE_STACK_BIN, 'check', synthetic, '--format', 'json'], { okCodes: [0, 1] }).stdout);
    return {
      generated: { medianSeconds: result.generated.median, samples: result.generated.samples },
      synthetic: {
        files: written,
        filesDiscovered: report.summary.filesDiscovered,
        filesChecked: report.summary.filesChecked,
        medianSeconds: result.synthetic.median,
        samples: result.synthetic.samples,
        targetSeconds: CHECK_TARGET_SECONDS,
        withinTarget: result.synthetic.median <= CHECK_TARGET_SECONDS,
      },
    };
  } finally {
    removeDir(work);
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, files: { type: 'string', default: '10000' } } });
  const runs = Number(values.runs);
  const measured = benchmarkCheck({ runs, fileCount: Number(values.files) });
  const output = { benchmark: 'check', date: new Date().toISOString(), machine: machine(), runs, ...measured };
  console.log(`check, generated full stack:        ${seconds(measured.generated.medianSeconds)} (median of ${runs})`);
  console.log(
    `check, synthetic ${measured.synthetic.files} files:   ${seconds(measured.synthetic.medianSeconds)} (median of ${runs}; target <= ${CHECK_TARGET_SECONDS} s: ${measured.synthetic.withinTarget ? 'met' : 'MISSED'})`,
  );
  const resultsDir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'check.json'), `${JSON.stringify(output, null, 2)}\n`);
  console.log(`written: bench/results/check.json`);
}
