/**
 * Helpers of the generated-stack benchmark (bench/stack.mjs): clean-up that also runs on failure and on a
 * signal, free ports, interleaved rounds, and the arithmetic of "what security costs".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { median } from './lib.mjs';

/**
 * Clean-up actions run in reverse order of registration, each at most once, whatever happens: at the end of
 * the run, when a step throws, and when the process gets SIGINT or SIGTERM or exits. Actions must be
 * synchronous so that they can also run from an 'exit' handler, where nothing asynchronous runs any more.
 */
export class Cleanup {
  #actions = [];
  #onSignal = (signal) => {
    this.run();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  #onExit = () => this.run();

  constructor() {
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
    process.once('exit', this.#onExit);
  }

  /** Registers `action` (named for the error message if it fails) and returns a function that runs it early. */
  add(name, action) {
    const entry = { name, action, done: false };
    this.#actions.push(entry);
    return () => this.#runEntry(entry);
  }

  run() {
    while (this.#actions.length > 0) this.#runEntry(this.#actions.pop());
  }

  /** Runs everything and stops listening for signals (the normal end of a run). */
  dispose() {
    this.run();
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    process.off('exit', this.#onExit);
  }

  #runEntry(entry) {
    if (entry.done) return;
    entry.done = true;
    try {
      entry.action();
    } catch (error) {
      // One failed clean-up must not keep the others from running.
      console.error(`clean-up "${entry.name}" failed: ${error.message}`);
    }
  }
}

/** A TCP port on 127.0.0.1 that nobody listens on right now (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs every variant once untimed (`warmUp`), then `rounds` timed rounds. The order of the variants rotates
 * from round to round, so that a load change on the machine does not always hit the same variant first.
 * Returns, per variant name, the samples (whatever `measure` returns) in round order.
 */
export async function interleavedRounds(variants, rounds, { warmUp, measure }) {
  for (const variant of variants) await warmUp(variant);
  const samples = Object.fromEntries(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const shift = round % variants.length;
    const order = [...variants.slice(shift), ...variants.slice(0, shift)];
    for (const variant of order) samples[variant.name].push(await measure(variant));
  }
  return samples;
}

/** Median of a list of per-round throughputs, with the samples kept for the JSON report. */
export function summarise(values) {
  return { median: median(values), samples: values };
}

/** Per variant name, the summary of one numeric field of its samples (as interleavedRounds returns them). */
export function summariseField(samples, field) {
  return Object.fromEntries(Object.entries(samples).map(([name, rounds]) => [name, summarise(rounds.map((sample) => sample[field]))]));
}

/**
 * Per variant name, the server's CPU time per request or transaction (the samples' `cpuMicroseconds`); null when
 * /proc could not tell it for some round, so that no variant is summarised from fewer rounds than another.
 */
export function summariseCpu(samples) {
  const known = Object.values(samples).every((rounds) => rounds.every((sample) => sample.cpuMicroseconds !== undefined));
  return known ? summariseField(samples, 'cpuMicroseconds') : null;
}

/**
 * The share of throughput a security control costs: 1 - secured/baseline (0.12 = 12 % fewer requests or
 * transactions per second with the control on). Negative when the secured variant happened to be faster.
 */
export function overhead(secured, baseline) {
  if (!(baseline > 0)) throw new Error(`baseline throughput must be positive, got ${baseline}`);
  return 1 - secured / baseline;
}

export const percent = (fraction) => `${(fraction * 100).toFixed(1)} %`;

/**
 * The fields of a /proc/<pid>/stat line after the command name (which may hold spaces and parentheses, so
 * the line is split after its last ')'): index 0 is the state (field 3 of proc(5)), index 11 utime, 12 stime,
 * 13 cutime, 14 cstime, 1 the parent pid.
 */
export function parseProcStat(line) {
  return line.slice(line.lastIndexOf(')') + 2).trim().split(' ');
}

let clockTicks;
function ticksPerSecond() {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  return clockTicks;
}

function readStat(pid) {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone, or no /proc
  }
}

/**
 * CPU seconds (user + system) a process has used, all its threads included, or undefined without /proc.
 * With `withChildren`, also what its children used: the exited ones it has reaped (cutime + cstime, which is
 * how a PostgreSQL postmaster accounts for the backends of connections that have ended) and the live ones.
 * Throughput moves with whatever else the machine runs; CPU time per request much less, so the report gives
 * both.
 */
export function cpuSeconds(pid, { withChildren = false } = {}) {
  const own = readStat(pid);
  if (own === undefined) return undefined;
  let ticks = Number(own[11]) + Number(own[12]);
  if (withChildren) {
    ticks += Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = readStat(entry);
      if (child !== undefined && child[1] === String(pid)) ticks += Number(child[11]) + Number(child[12]);
    }
  }
  return ticks / ticksPerSecond();
}
