#!/usr/bin/env node
/**
 * What security costs in the generated stack (issue 10):
 *   - auth overhead: requests/s of the API's GET /v1/me (token checked against a cached JWKS) vs GET /healthz,
 *     target <= 15 % fewer requests/s in steady state (each connection reuses its token); the cold path (a new
 *     token on every request) is reported too (bench/stack-api.mjs);
 *   - RLS overhead: pgbench tps of the tenant-scoped page query under FORCE ROW LEVEL SECURITY vs the same
 *     query on the same table by a BYPASSRLS role, target <= 10 % fewer transactions/s (bench/stack-rls.mjs).
 * Generates a full stack with the built CLI (run `npm run build` first), runs both parts on loopback, prints
 * medians and whether each target is met, and writes bench/results/stack.json. A part whose tools are missing
 * is skipped with one line saying what is missing (status "skipped" in the JSON; the exit status stays 0).
 * Every process and temporary directory it starts is removed at the end, on failure and on SIGINT/SIGTERM.
 *
 *   node bench/stack.mjs [--rounds N] [--seconds S] [--warm-up S] [--concurrency N] [--clients N]
 *                        [--threads N] [--only api|rls]
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, SECURE_STACK_BIN, machine, makeTempDir, removeDir, timeProcess } from './lib.mjs';
import { apiRuntimes, apiToolMissing, benchmarkApi } from './stack-api.mjs';
import { Cleanup, percent } from './stack-lib.mjs';
import { benchmarkRls, rlsToolMissing } from './stack-rls.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    'warm-up': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
    clients: { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const positive = (name) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1, got ${values[name]}`);
  return value;
};
const settings = {
  rounds: positive('rounds'),
  seconds: positive('seconds'),
  warmUpSeconds: positive('warm-up'),
  concurrency: positive('concurrency'),
  clients: positive('clients'),
  threads: positive('threads'),
};
if (values.only !== undefined && !['api', 'rls'].includes(values.only)) throw new Error(`--only must be api or rls, got ${values.only}`);
const wanted = (part) => values.only === undefined || values.only === part;

const PROJECT_NAME = 'stackbench';
const log = (line) => console.log(line);
const round2 = (value) => Math.round(value * 100) / 100;

function skipped(reason) {
  log(`skipped: ${reason}`);
  return { status: 'skipped', reason };
}

const output = {
  benchmark: 'stack',
  date: new Date().toISOString(),
  machine: machine(),
  // Other work on the machine moves these numbers: the load average before and after says how busy it was.
  loadAverage: { before: loadavg().map(round2) },
  api: { status: 'not run' },
  rls: { status: 'not run' },
};

const cleanup = new Cleanup();
let exitCode = 0;
try {
  if (!existsSync(SECURE_STACK_BIN)) {
    output.api = skipped(`${path.relative(REPO_ROOT, SECURE_STACK_BIN)} is missing: run npm run build first`);
    output.rls = output.api;
  } else {
    const work = makeTempDir('secure-stack-bench-stack-');
    cleanup.add('temporary directory', () => removeDir(work));
    timeProcess(process.execPath, [SECURE_STACK_BIN, 'new', PROJECT_NAME, '--yes', '--no-git', '--no-install'], { cwd: work });
    const projectDir = path.join(work, PROJECT_NAME);

    if (wanted('api')) {
      // The first runtime is the target's: Debian 13's FastAPI 0.115 when its root is there (what the generated
      // pyproject.toml requires), else Debian 12's 0.92. Every runtime present is measured and reported.
      output.apiByRuntime = {};
      for (const runtime of apiRuntimes()) {
        const missing = apiToolMissing(runtime);
        if (missing !== undefined) output.apiByRuntime[runtime.id] = skipped(`api auth overhead: ${missing}`);
        else {
          log(`api on ${runtime.id}: /v1/me vs /healthz, ${settings.concurrency} connections, ${settings.rounds} rounds of ${settings.seconds} s`);
          output.apiByRuntime[runtime.id] = await benchmarkApi({ runtime, projectDir, ...settings, cleanup, log });
        }
      }
      const runtimes = Object.values(output.apiByRuntime);
      output.api = runtimes.find((api) => api.status === 'measured') ?? runtimes[0];
    }
    if (wanted('rls')) {
      const missing = rlsToolMissing();
      if (missing !== undefined) output.rls = skipped(`rls overhead: ${missing}`);
      else {
        // The server runs as the postgres OS user (when run as root) and reads the generated scripts.
        chmodSync(work, 0o755);
        log(`rls: FORCE RLS vs BYPASSRLS, pgbench ${settings.clients} clients / ${settings.threads} threads, ${settings.rounds} rounds of ${settings.seconds} s`);
        output.rls = await benchmarkRls({ projectDir, projectName: PROJECT_NAME, ...settings, cleanup, log });
      }
    }
  }
} catch (error) {
  exitCode = 1;
  console.error(`bench/stack.mjs failed: ${error.stack ?? error.message}`);
  output.error = String(error.message);
} finally {
  cleanup.dispose();
}
output.loadAverage.after = loadavg().map(round2);
output.skipped = ['api', 'rls'].filter((part) => output[part].status === 'skipped');

const verdict = (met) => (met ? 'met' : 'MISSED');
for (const [runtimeId, api] of Object.entries(output.apiByRuntime ?? {})) {
  if (api.status !== 'measured') continue;
  const { healthz, meRs256, meEs256, meRs256Cold, meEs256Cold } = api.requestsPerSecond;
  log(`api ${api.server.fastapi ? `${runtimeId} (FastAPI ${api.server.fastapi})` : runtimeId} GET /healthz (async, public):           ${healthz.median.toFixed(0)} requests/s (median of ${healthz.samples.length})`);
  log(`api ${api.server.fastapi ? `${runtimeId} (FastAPI ${api.server.fastapi})` : runtimeId} GET /v1/me, RS256, steady (token reused): ${meRs256.median.toFixed(0)} requests/s`);
  log(`api ${api.server.fastapi ? `${runtimeId} (FastAPI ${api.server.fastapi})` : runtimeId} GET /v1/me, ES256, steady (token reused): ${meEs256.median.toFixed(0)} requests/s`);
  log(`api ${api.server.fastapi ? `${runtimeId} (FastAPI ${api.server.fastapi})` : runtimeId} GET /v1/me, RS256, cold (new token each): ${meRs256Cold.median.toFixed(0)} requests/s`);
  log(`api ${api.server.fastapi ? `${runtimeId} (FastAPI ${api.server.fastapi})` : runtimeId} GET /v1/me, ES256, cold (new token each): ${meEs256Cold.median.toFixed(0)} requests/s`);
  log(
    `auth overhead, steady state: ${percent(api.authOverhead.rs256)} with RS256 (${api === output.api ? `target <= ${percent(api.target)}: ${verdict(api.withinTarget)}` : 'for comparison'}), ` +
      `${percent(api.authOverhead.es256)} with ES256`,
  );
  log(`${runtimeId}: auth overhead, cold (no target): ${percent(api.authOverheadCold.rs256)} with RS256, ${percent(api.authOverheadCold.es256)} with ES256`);
  const cpu = api.serverCpuMicrosecondsPerRequest;
  if (cpu !== null) {
    log(
      `  server CPU per request (less sensitive to other load): /healthz ${cpu.healthz.median.toFixed(0)} µs; /v1/me steady ${cpu.meRs256.median.toFixed(0)} µs RS256, ` +
        `${cpu.meEs256.median.toFixed(0)} µs ES256: overhead ${percent(api.cpuOverhead.rs256)} / ${percent(api.cpuOverhead.es256)}; ` +
        `/v1/me cold ${cpu.meRs256Cold.median.toFixed(0)} µs RS256, ${cpu.meEs256Cold.median.toFixed(0)} µs ES256: ` +
        `overhead ${percent(api.cpuOverheadCold.rs256)} / ${percent(api.cpuOverheadCold.es256)}`,
    );
  }
}
if (output.rls.status === 'measured') {
  const { rls, noRls } = output.rls.transactionsPerSecond;
  log(`db tenant page, FORCE RLS:   ${rls.median.toFixed(0)} transactions/s (median of ${rls.samples.length})`);
  log(`db tenant page, BYPASSRLS:   ${noRls.median.toFixed(0)} transactions/s`);
  log(`RLS overhead: ${percent(output.rls.rlsOverhead)} (target <= ${percent(output.rls.target)}: ${verdict(output.rls.withinTarget)})`);
  const cpu = output.rls.serverCpuMicrosecondsPerTransaction;
  if (cpu !== null) {
    log(
      `  server CPU per transaction (less sensitive to other load): FORCE RLS ${cpu.rls.median.toFixed(0)} µs, BYPASSRLS ${cpu.noRls.median.toFixed(0)} µs: ` +
        `overhead ${percent(output.rls.cpuOverhead)}`,
    );
  }
}
log(`load average (1/5/15 min) before ${output.loadAverage.before.join(' ')}, after ${output.loadAverage.after.join(' ')} on ${output.machine.cpus} CPUs`);

const resultsDir = path.join(REPO_ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'stack.json'), `${JSON.stringify(output, null, 2)}\n`);
log('written: bench/results/stack.json');
process.exitCode = exitCode;
