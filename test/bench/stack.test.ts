/**
 * The helpers of bench/stack.mjs (what security costs in the generated stack): the load generator against a
 * real local server, the tokens the fake identity provider signs (checked with node:crypto against its own
 * JWKS), pgbench's report as PostgreSQL 15 prints it, /proc CPU accounting, interleaving, the overhead
 * arithmetic and the clean-up that must also run on failure. The benchmark itself is not run here: it takes
 * minutes and measures, it does not test.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { debian13Root } from '../support/debian13.js';
import { skipOrFail } from '../support/tools.js';

interface ThroughputResult {
  completed: number;
  failures: number;
  seconds: number;
  rps: number;
  firstFailure?: string;
}
interface Target {
  port: number;
  path: string;
  /** Fixed headers, or a function called once per request (headers that must differ from request to request). */
  headers: Record<string, string> | (() => Record<string, string>);
}
interface StackLoad {
  measureThroughput(target: Target, options: { concurrency: number; seconds: number; expectStatus?: number }): Promise<ThroughputResult>;
  fetchOnce(target: Target): Promise<{ status: number; body: string }>;
}
interface CleanupInstance {
  add(name: string, action: () => void): () => void;
  run(): void;
  dispose(): void;
}
interface StackLib {
  Cleanup: new () => CleanupInstance;
  overhead(secured: number, baseline: number): number;
  percent(fraction: number): string;
  summarise(values: number[]): { median: number; samples: number[] };
  summariseField(samples: Record<string, Array<Record<string, number | undefined>>>, field: string): Record<string, { median: number; samples: number[] }>;
  summariseCpu(samples: Record<string, Array<{ cpuMicroseconds?: number; [field: string]: number | undefined }>>): Record<string, { median: number; samples: number[] }> | null;
  interleavedRounds<V extends { name: string }, S>(
    variants: V[],
    rounds: number,
    steps: { warmUp: (variant: V) => Promise<unknown> | unknown; measure: (variant: V) => Promise<S> | S },
  ): Promise<Record<string, S[]>>;
  parseProcStat(line: string): string[];
  cpuSeconds(pid: number, options?: { withChildren?: boolean }): number | undefined;
  freePort(): Promise<number>;
}
interface ApiRuntime {
  id: string;
  spawnArgs(args: string[], cwd?: string): [string, string[]];
}

interface StackApi {
  apiRuntimes(): ApiRuntime[];
  apiToolMissing(runtime: ApiRuntime): string | undefined;
  makeIdentityProvider(): {
    jwks: { keys: Array<JsonWebKey & { kid: string; alg: string; use: string }> };
    accessToken(algorithm: 'RS256' | 'ES256', lifetimeSeconds?: number): string;
  };
}
interface StackRls {
  parsePgbenchOutput(text: string): { tps: number; transactions?: number; failed: number; latencyMs?: number };
  pgbenchScript(): string;
  TENANTS: number;
}

const BENCH = path.resolve(import.meta.dirname, '../../bench');
// A computed specifier: the bench scripts are plain JavaScript outside the TypeScript project.
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(BENCH, file)).href)) as T;

let lib: StackLib;
let loadGenerator: StackLoad;
let api: StackApi;
let rls: StackRls;
beforeAll(async () => {
  [lib, loadGenerator, api, rls] = await Promise.all([
    load<StackLib>('stack-lib.mjs'),
    load<StackLoad>('stack-load.mjs'),
    load<StackApi>('stack-api.mjs'),
    load<StackRls>('stack-rls.mjs'),
  ]);
});

/** pgbench 15.18's report of a one-second run, as printed on this machine. */
const PGBENCH_15_REPORT = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: /tmp/pgq/s.sql
scaling factor: 1
query mode: prepared
number of clients: 2
number of threads: 1
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 36608
number of failed transactions: 0 (0.000%)
latency average = 0.054 ms
initial connection time = 16.648 ms
tps = 37211.458218 (without initial connection time)
`;

describe('pgbench report', () => {
  it('reads tps, transactions, failures and latency from PostgreSQL 15 pgbench output', () => {
    expect(rls.parsePgbenchOutput(PGBENCH_15_REPORT)).toEqual({ tps: 37211.458218, transactions: 36608, failed: 0, latencyMs: 0.054 });
  });

  it('reports failed transactions, and refuses output without a tps line', () => {
    const failing = PGBENCH_15_REPORT.replace('number of failed transactions: 0 (0.000%)', 'number of failed transactions: 12 (0.033%)');
    expect(rls.parsePgbenchOutput(failing).failed).toBe(12);
    expect(() => rls.parsePgbenchOutput('pgbench: error: connection to server failed\n')).toThrow(/no "tps = \.\.\." line/);
  });

  it('the script sets the tenant transaction-locally, as the API does, before the tenant-scoped page query', () => {
    const lines = rls.pgbenchScript().split('\n');
    expect(lines[0]).toBe(`\\set tenant random(1, ${rls.TENANTS})`);
    expect(lines.slice(1, 5).map((line) => line.split(' ')[0])).toEqual(['BEGIN;', 'SELECT', 'SELECT', 'COMMIT;']);
    expect(lines[2]).toMatch(/^SELECT set_config\('app\.tenant_id', .*:tenant::int.*, true\);$/);
    expect(lines[3]).toMatch(/FROM app\.projects WHERE tenant_id = .*:tenant::int.* ORDER BY created_at, id LIMIT 20;$/);
  });
});

describe('overhead arithmetic and interleaving', () => {
  it('overhead is the share of baseline throughput lost; negative when the secured run was faster', () => {
    expect(lib.overhead(85, 100)).toBeCloseTo(0.15, 12);
    expect(lib.overhead(110, 100)).toBeCloseTo(-0.1, 12);
    expect(() => lib.overhead(1, 0)).toThrow(/positive/);
    expect(lib.percent(0.1234)).toBe('12.3 %');
    expect(lib.summarise([5, 1, 3])).toEqual({ median: 3, samples: [5, 1, 3] });
  });

  it('summarises a field per variant, and CPU only when every round of every variant has it', () => {
    const samples = {
      secured: [{ rps: 80, cpuMicroseconds: 50 }, { rps: 90, cpuMicroseconds: 40 }, { rps: 70, cpuMicroseconds: 60 }],
      baseline: [{ rps: 100, cpuMicroseconds: 20 }, { rps: 120, cpuMicroseconds: 30 }, { rps: 110, cpuMicroseconds: 25 }],
    };
    expect(lib.summariseField(samples, 'rps')).toEqual({ secured: { median: 80, samples: [80, 90, 70] }, baseline: { median: 110, samples: [100, 120, 110] } });
    expect(lib.summariseCpu(samples)).toEqual({ secured: { median: 50, samples: [50, 40, 60] }, baseline: { median: 25, samples: [20, 30, 25] } });
    expect(lib.summariseCpu({ ...samples, baseline: [{ rps: 100, cpuMicroseconds: 20 }, { rps: 120 }] })).toBeNull();
  });

  it('warms every variant up once, then rotates the order each round', async () => {
    const calls: string[] = [];
    const variants = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
    const samples = await lib.interleavedRounds(variants, 4, {
      warmUp: (variant) => calls.push(`warm ${variant.name}`),
      measure: (variant) => {
        calls.push(variant.name);
        return calls.length;
      },
    });
    expect(calls).toEqual(['warm a', 'warm b', 'warm c', 'a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b', 'a', 'b', 'c']);
    expect(samples).toEqual({ a: [4, 9, 11, 13], b: [5, 7, 12, 14], c: [6, 8, 10, 15] });
  });
});

describe('clean-up', () => {
  it('runs every action once, newest first, even when one fails, and can run one early', () => {
    const cleanup = new lib.Cleanup();
    const ran: string[] = [];
    cleanup.add('first', () => ran.push('first'));
    cleanup.add('failing', () => {
      throw new Error('boom');
    });
    const early = cleanup.add('early', () => ran.push('early'));
    cleanup.add('last', () => ran.push('last'));
    early();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      cleanup.dispose();
      cleanup.run();
      expect(errors.mock.calls).toEqual([['clean-up "failing" failed: boom']]);
    } finally {
      errors.mockRestore();
    }
    expect(ran).toEqual(['early', 'last', 'first']);
  });

  it('listens for SIGINT, SIGTERM and exit while in use, and stops listening once disposed', () => {
    const before = ['SIGINT', 'SIGTERM', 'exit'].map((event) => process.listenerCount(event));
    const cleanup = new lib.Cleanup();
    expect(['SIGINT', 'SIGTERM', 'exit'].map((event) => process.listenerCount(event))).toEqual(before.map((count) => count + 1));
    cleanup.dispose();
    expect(['SIGINT', 'SIGTERM', 'exit'].map((event) => process.listenerCount(event))).toEqual(before);
  });
});

describe('CPU accounting from /proc', () => {
  it('splits a stat line after the last parenthesis of the command name', () => {
    const fields = lib.parseProcStat('4242 (odd) name (x)) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 50 7 3 20 0 1 0');
    expect(fields[0]).toBe('S');
    expect(fields[1]).toBe('1');
    expect(fields.slice(11, 15)).toEqual(['250', '50', '7', '3']);
  });

  it.skipIf(!existsSync('/proc/self/stat'))('counts the CPU time this process burns', () => {
    const before = lib.cpuSeconds(process.pid);
    const until = Date.now() + 150;
    let spin = 0;
    while (Date.now() < until) spin += 1;
    const after = lib.cpuSeconds(process.pid);
    expect(spin).toBeGreaterThan(0);
    expect(before).toBeTypeOf('number');
    expect((after ?? 0) - (before ?? 0)).toBeGreaterThanOrEqual(0.05);
    expect(lib.cpuSeconds(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('load generator', () => {
  let server: Server;
  let port: number;
  const connections = new Set<unknown>();
  const tokensSeen: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/token') tokensSeen.push(String(request.headers['x-token']));
      const ok = request.url === '/ok' || request.url === '/token';
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'unavailable');
    });
    server.on('connection', (socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('keeps `concurrency` keep-alive connections busy for the given time and counts the answers', async () => {
    connections.clear();
    const result = await loadGenerator.measureThroughput({ port, path: '/ok', headers: { host: '127.0.0.1' } }, { concurrency: 4, seconds: 0.3 });
    expect(result.failures).toBe(0);
    expect(result.completed).toBeGreaterThan(20);
    expect(result.seconds).toBeGreaterThanOrEqual(0.3);
    expect(result.rps).toBeCloseTo(result.completed / result.seconds, 6);
    expect(connections.size).toBe(4);
  });

  it('calls a headers function once per request, so that every request can carry its own token', async () => {
    tokensSeen.length = 0;
    let next = 0;
    const headers = () => ({ host: '127.0.0.1', 'x-token': `t${next++}` });
    const result = await loadGenerator.measureThroughput({ port, path: '/token', headers }, { concurrency: 3, seconds: 0.2 });
    expect(result.failures).toBe(0);
    expect(result.completed).toBeGreaterThan(10);
    expect(tokensSeen).toHaveLength(result.completed);
    expect(new Set(tokensSeen).size).toBe(result.completed);
  });

  it('counts an unexpected status as a failure and keeps the first one', async () => {
    const result = await loadGenerator.measureThroughput({ port, path: '/down', headers: { host: '127.0.0.1' } }, { concurrency: 2, seconds: 0.1 });
    expect(result.completed).toBe(0);
    expect(result.failures).toBeGreaterThan(0);
    expect(result.firstFailure).toBe('HTTP 503: unavailable');
  });

  it('counts refused connections as failures instead of throwing', async () => {
    const closedPort = await lib.freePort();
    const result = await loadGenerator.measureThroughput({ port: closedPort, path: '/', headers: {} }, { concurrency: 1, seconds: 0.05 });
    expect(result.completed).toBe(0);
    expect(result.firstFailure).toMatch(/ECONNREFUSED/);
  });
});

describe('the fake identity provider', () => {
  const decode = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

  it('publishes public keys only, one per algorithm, each with a kid', () => {
    const { jwks } = api.makeIdentityProvider();
    expect(jwks.keys.map((key) => [key.kty, key.alg, key.use])).toEqual([
      ['RSA', 'RS256', 'sig'],
      ['EC', 'ES256', 'sig'],
    ]);
    expect(new Set(jwks.keys.map((key) => key.kid)).size).toBe(2);
    for (const key of jwks.keys) expect(Object.keys(key)).not.toContain('d');
  });

  it.each(['RS256', 'ES256'] as const)('signs %s access tokens that its JWKS verifies, with the claims the API requires', (algorithm) => {
    const idp = api.makeIdentityProvider();
    const token = idp.accessToken(algorithm);
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const headerJson = decode(header);
    expect(headerJson).toMatchObject({ alg: algorithm, typ: 'at+jwt' });
    const jwk = idp.jwks.keys.find((key) => key.kid === headerJson.kid);
    expect(jwk?.alg).toBe(algorithm);
    const publicKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const signed = Buffer.from(`${header}.${claims}`);
    const options = algorithm === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
    expect(verify('sha256', signed, options, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(verify('sha256', Buffer.from(`${header}.${claims}x`), options, Buffer.from(signature, 'base64url'))).toBe(false);

    const body = decode(claims);
    expect(body).toMatchObject({ iss: 'https://idp.bench.example/', aud: 'bench-api', sub: 'bench-user-1', scope: 'projects:read' });
    expect(body.tenant_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Number(body.exp) - Number(body.iat)).toBe(3600);
    expect(Math.abs(Number(body.iat) - Date.now() / 1000)).toBeLessThan(5);
    const longer = decode(idp.accessToken(algorithm, 7200).split('.')[1] ?? '');
    expect(Number(longer.exp) - Number(longer.iat)).toBe(7200);
  });
});

describe('where the api benchmark runs', () => {
  it("measures first on Debian 13's FastAPI 0.115, the floor of the generated pyproject, then on Debian 12's", (context) => {
    if (debian13Root() === undefined) return skipOrFail(context, 'no Debian 13 tree: run `bash .ci/debian13-root.sh` as root (or set SECURE_STACK_DEBIAN13_ROOT)');
    const runtimes = api.apiRuntimes();
    expect(runtimes.map((runtime) => runtime.id)).toEqual(['debian13', 'debian12']);
    const versions = runtimes.map((runtime) => {
      expect(api.apiToolMissing(runtime), runtime.id).toBeUndefined();
      const [command, args] = runtime.spawnArgs(['-c', 'import fastapi; print(fastapi.__version__)']);
      const result = spawnSync(command, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.trim().split('.').map(Number);
    });
    expect(versions[0]![0]! > 0 || versions[0]![1]! >= 115).toBe(true);
    expect(versions[1]![1]!).toBeLessThan(115);
  });
});
