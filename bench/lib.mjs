/**
 * Shared helpers of the benchmarks: run whole processes (the user's wall time, start-up included), several
 * times, alternating between the contenders so load drift hits each the same, and report medians.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SECURE_STACK_BIN = path.join(REPO_ROOT, 'dist/bundle/secure-stack.js');

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs a command to completion and returns its wall time in seconds; `okCodes` lists acceptable exit codes. */
export function timeProcess(command, args, { cwd = REPO_ROOT, okCodes = [0], env = process.env } = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error) throw result.error;
  if (!okCodes.includes(result.status)) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${String(result.stderr).slice(0, 2000)}`);
  }
  return { seconds, stdout: String(result.stdout) };
}

/**
 * Times each contender `runs` times, interleaved (a, b, c, a, b, c, …), after one untimed warm-up run each
 * (file cache, JIT caches), and returns the median seconds per contender name.
 */
export function compare(contenders, runs = 5) {
  const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (const contender of contenders) contender.run();
  for (let i = 0; i < runs; i += 1) {
    for (const contender of contenders) samples[contender.name].push(contender.run());
  }
  return Object.fromEntries(contenders.map((c) => [c.name, { median: median(samples[c.name]), samples: samples[c.name] }]));
}

export function makeTempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

export function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}

export const seconds = (value) => `${value.toFixed(3)} s`;
