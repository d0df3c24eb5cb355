/**
 * What authentication costs in the generated API: requests per second on GET /v1/me (a bearer token checked on
 * every request, against a JWKS fetched once and cached) against GET /healthz (public, no token; a coroutine,
 * like /v1/me, so neither pays a threadpool hop), on the same uvicorn process, under the same closed-loop load
 * on loopback. Two ways of sending tokens:
 *
 * - steady state (the target): each connection sends the same token on every request, as a real client does
 *   for the token's lifetime. The API verifies it once and then answers from its verified-token cache (its
 *   time claims, kid and scopes are still checked on every request; app/security/tokens.py);
 * - cold (reported, not a target): every request carries a token the API has not seen recently, from a pool
 *   of distinct pre-signed tokens larger than the cache, sent in turn, so every lookup misses and every
 *   request pays the full verification (parsing, signature, claims).
 *
 * The generated app runs as its Dockerfile runs it (`python -m uvicorn app.main:app --no-server-header`, one
 * process, access log on: sent to /dev/null here) with Debian's /usr/bin/python3 and its python3-fastapi,
 * -uvicorn, -jwt and -cryptography packages, settings from the environment in production mode. The identity
 * provider is this process: a JWKS document served on 127.0.0.1 (http is accepted for a loopback JWKS URI),
 * with an RSA and an EC key made for the run; tokens are signed here with node:crypto, like an IdP would.
 *
 * /v1/me reads the principal from the token only and never opens the database (the pool starts on first use
 * by a route that needs it), so DATABASE_URL names a server that is never contacted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { debian13Root } from '../scripts/debian13-root.mjs';
import { fetchOnce, measureThroughput } from './stack-load.mjs';
import { cpuSeconds, freePort, interleavedRounds, overhead, summariseCpu, summariseField } from './stack-lib.mjs';

export const PYTHON = '/usr/bin/python3';
/** Everything the generated app imports at start-up, plus the server. */
const PYTHON_MODULES = ['uvicorn', 'fastapi', 'jwt', 'cryptography', 'httpx', 'psycopg', 'psycopg_pool'];
export const AUTH_OVERHEAD_TARGET = 0.15;
/** The API's verified-token cache holds 10,000 tokens (CACHE_ENTRIES in app/security/tokens.py), oldest out first. */
const API_TOKEN_CACHE_ENTRIES = 10_000;
/** Distinct tokens per algorithm for the cold runs: cycled in order, each comes back after the cache dropped it. */
const COLD_TOKEN_POOL = API_TOKEN_CACHE_ENTRIES + 2_500;

const ISSUER = 'https://idp.bench.example/';
const AUDIENCE = 'bench-api';
const TENANT = '3f2b9c1e-6a4d-4c1b-9d2e-7a8b9c0d1e2f';
const SUBJECT = 'bench-user-1';

/**
 * Where the generated API runs: Debian 13's own Python packages (FastAPI 0.115, pydantic 2, uvicorn 0.32) in the
 * chroot `.ci/debian13-root.sh` builds, the versions the generated pyproject.toml asks for (fastapi>=0.115,
 * uvicorn>=0.30); and Debian 12's /usr/bin/python3 (FastAPI 0.92, pydantic 1.10, uvicorn 0.17), older than that
 * floor, which the generated code still supports and its tests still run on.
 */
export function apiRuntimes() {
  const runtimes = [];
  const root = debian13Root();
  if (root !== undefined) runtimes.push(chrootRuntime('debian13', root));
  runtimes.push({ id: 'debian12', spawnArgs: (args) => [PYTHON, args], prepare: (apiDir) => ({ cwd: apiDir, dispose: () => {} }) });
  return runtimes;
}

/** python3 inside a chroot: the api directory is copied under its /tmp (nothing outside the root is visible there). */
function chrootRuntime(id, root) {
  const inChroot = (cwd, args) => ['/usr/sbin/chroot', [root, '/bin/sh', '-c', 'cd "$1" && shift && exec "$@"', 'bench', cwd, '/usr/bin/python3', ...args]];
  return {
    id,
    spawnArgs: (args, cwd = '/') => inChroot(cwd, args),
    prepare: (apiDir) => {
      const copy = mkdtempSync(path.join(root, 'tmp', 'secure-stack-bench-'));
      cpSync(apiDir, copy, { recursive: true, dereference: true, filter: (from) => path.basename(from) !== '__pycache__' });
      return { cwd: `/tmp/${path.basename(copy)}`, dispose: () => rmSync(copy, { recursive: true, force: true }) };
    },
  };
}

/** Why the API benchmark cannot run on `runtime`, or undefined. */
export function apiToolMissing(runtime = apiRuntimes().at(-1)) {
  const [command, args] = runtime.spawnArgs(['-c', `import ${PYTHON_MODULES.join(', ')}`]);
  const probe = spawnSync(command, args, { encoding: 'utf8', env: pythonEnv({}) });
  if (probe.error?.code === 'ENOENT') return `${command} is missing (apt-get install python3)`;
  if (probe.status !== 0) {
    const last = (probe.stderr ?? '').trim().split('\n').at(-1) ?? '';
    return `Debian's Python packages are missing on ${runtime.id} (python3-fastapi python3-uvicorn python3-jwt python3-cryptography python3-httpx python3-psycopg python3-psycopg-pool): ${last}`;
  }
  return undefined;
}

function pythonEnv(extra) {
  return { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

/** Versions of what serves the requests, for the report (the HTTP parser decides much of the baseline). */
function serverVersions(runtime) {
  const script = [
    'import importlib.util, json, sys, uvicorn, fastapi, starlette, jwt, cryptography',
    'http = "httptools" if importlib.util.find_spec("httptools") else "h11"',
    'print(json.dumps({"python": sys.version.split()[0], "uvicorn": uvicorn.__version__, "fastapi": fastapi.__version__,',
    '  "starlette": starlette.__version__, "pyjwt": jwt.__version__, "cryptography": cryptography.__version__, "httpParser": http}))',
  ].join('\n');
  const [command, args] = runtime.spawnArgs(['-c', script]);
  const result = spawnSync(command, args, { encoding: 'utf8', env: pythonEnv({}) });
  return result.status === 0 ? JSON.parse(result.stdout) : { error: result.stderr.trim().split('\n').at(-1) };
}

const base64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The identity provider's side: signing keys, their JWKS, and access tokens as the generated API expects them. */
export function makeIdentityProvider() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'bench-rsa-1', use: 'sig', alg: 'RS256' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'bench-ec-1', use: 'sig', alg: 'ES256' },
    ],
  };
  /** An access token (typ at+jwt, scope, tenant claim, a new jti) valid for `lifetimeSeconds`, signed with RS256 or ES256. */
  const accessToken = (algorithm, lifetimeSeconds = 3600) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: algorithm, typ: 'at+jwt', kid: algorithm === 'RS256' ? 'bench-rsa-1' : 'bench-ec-1' };
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: SUBJECT, iat: now, exp: now + lifetimeSeconds, jti: randomUUID(), scope: 'projects:read', tenant_id: TENANT };
    const input = `${base64url(header)}.${base64url(claims)}`;
    // JWS ES256 signatures are the raw r||s pair (RFC 7518 §3.4), not DER.
    const signature =
      algorithm === 'RS256'
        ? sign('sha256', Buffer.from(input), rsa.privateKey)
        : sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
  return { jwks, accessToken };
}

/** Serves the JWKS on 127.0.0.1 and counts the fetches (the API should fetch once, then use its cache). */
async function startJwksServer(jwks) {
  const body = JSON.stringify(jwks);
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/jwks.json`,
    fetches: () => fetches,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Starts the generated API with uvicorn and waits until /healthz answers 200. */
async function startApi(runtime, apiDir, port, settings, cleanup) {
  const prepared = runtime.prepare(apiDir);
  cleanup.add('api copy', prepared.dispose);
  // chroot and sh exec into python: the child's pid is the server's, for its CPU time.
  const [command, args] = runtime.spawnArgs(['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(port), '--no-server-header'], prepared.cwd);
  const child = spawn(command, args, {
    cwd: runtime.id === 'debian12' ? prepared.cwd : '/',
    env: pythonEnv(settings),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Keep the tail of stderr (uvicorn's errors and the app's security events) to explain a failure.
  let stderrTail = '';
  child.stderr.on('data', (chunk) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-8192);
  });
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.once('error', (error) => {
    exited = { code: error.message, signal: null };
  });
  const stop = cleanup.add('uvicorn', () => {
    if (exited !== null) return;
    child.kill('SIGKILL');
  });
  const health = { port, path: '/healthz', headers: { host: '127.0.0.1' } };
  const giveUp = Date.now() + 30_000;
  while (Date.now() < giveUp) {
    if (exited !== null) throw new Error(`uvicorn exited (${exited.code ?? exited.signal}) before answering:\n${stderrTail}`);
    try {
      if ((await fetchOnce(health)).status === 200) return { pid: child.pid, stop, stderrTail: () => stderrTail };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`uvicorn did not answer /healthz within 30 s:\n${stderrTail}`);
}

/** Request headers that carry the next token of `tokens` each time, in turn (a cold pool, see COLD_TOKEN_POOL). */
function cyclingAuthorization(tokens) {
  let next = 0;
  return () => {
    const token = tokens[next];
    next = (next + 1) % tokens.length;
    return { host: '127.0.0.1', authorization: `Bearer ${token}` };
  };
}

/**
 * Measures requests/s on /healthz and on /v1/me with RS256 and ES256 tokens, steady state and cold, interleaved.
 * The target applies to RS256 in steady state, the algorithm identity providers sign with by default; ES256 is
 * reported too (its signature check costs more CPU in OpenSSL), and so is the cold path.
 */
export async function benchmarkApi({ runtime = apiRuntimes().at(-1), projectDir, concurrency, seconds, warmUpSeconds, rounds, cleanup, log }) {
  const versions = serverVersions(runtime);
  const idp = makeIdentityProvider();
  const jwksServer = await startJwksServer(idp.jwks);
  const stopJwks = cleanup.add('JWKS server', jwksServer.close);
  const port = await freePort();
  const settings = {
    OIDC_ISSUER: ISSUER,
    OIDC_AUDIENCE: AUDIENCE,
    OIDC_JWKS_URI: jwksServer.url,
    ALLOWED_HOSTS: '127.0.0.1',
    // Never connected to: /v1/me and /healthz do not use the database.
    DATABASE_URL: 'postgresql://bench_app@127.0.0.1:1/bench?sslmode=verify-full',
  };
  const api = await startApi(runtime, path.join(projectDir, 'api'), port, settings, cleanup);
  // Every token is signed before the run and must outlive it, however long the rounds are made. The steady
  // token is verified once and then answered from the API's cache (at most 60 s at a time, then verified
  // again); the cold pool goes round faster than its tokens can come back to the cache.
  const runSeconds = 5 * (warmUpSeconds + rounds * seconds); // five variants below
  const lifetime = 3600 + 3 * runSeconds;
  const signingStarted = Date.now();
  const coldPool = (algorithm) => Array.from({ length: COLD_TOKEN_POOL }, () => idp.accessToken(algorithm, lifetime));
  const coldRs256 = coldPool('RS256');
  const coldEs256 = coldPool('ES256');
  log(`  api signed ${2 * COLD_TOKEN_POOL} cold tokens in ${((Date.now() - signingStarted) / 1000).toFixed(1)} s`);
  try {
    const variants = [
      { name: 'healthz', target: { port, path: '/healthz', headers: { host: '127.0.0.1' } } },
      { name: 'meRs256', target: { port, path: '/v1/me', headers: { host: '127.0.0.1', authorization: `Bearer ${idp.accessToken('RS256', lifetime)}` } } },
      { name: 'meEs256', target: { port, path: '/v1/me', headers: { host: '127.0.0.1', authorization: `Bearer ${idp.accessToken('ES256', lifetime)}` } } },
      { name: 'meRs256Cold', target: { port, path: '/v1/me', headers: cyclingAuthorization(coldRs256) } },
      { name: 'meEs256Cold', target: { port, path: '/v1/me', headers: cyclingAuthorization(coldEs256) } },
    ];
    // Measure what we think we measure: the token is accepted and its claims come back. A cold pool is checked
    // with its last token: the load reaches it after more than the cache's worth of other tokens, so it has left
    // the cache by then and misses like every other.
    const probes = [
      ...variants.slice(1, 3),
      { name: 'meRs256Cold', target: { port, path: '/v1/me', headers: { host: '127.0.0.1', authorization: `Bearer ${coldRs256.at(-1)}` } } },
      { name: 'meEs256Cold', target: { port, path: '/v1/me', headers: { host: '127.0.0.1', authorization: `Bearer ${coldEs256.at(-1)}` } } },
    ];
    for (const variant of probes) {
      const answer = await fetchOnce(variant.target);
      const me = answer.status === 200 ? JSON.parse(answer.body) : undefined;
      if (me?.sub !== SUBJECT || me?.tenant_id !== TENANT) {
        throw new Error(`/v1/me (${variant.name}) answered ${answer.status} ${answer.body.slice(0, 300)}\n${api.stderrTail()}`);
      }
    }
    const run = async (variant, duration) => {
      const cpuBefore = cpuSeconds(api.pid);
      const result = await measureThroughput(variant.target, { concurrency, seconds: duration });
      const cpuAfter = cpuSeconds(api.pid);
      if (result.failures > 0) {
        throw new Error(`${variant.name}: ${result.failures} failed requests, first: ${result.firstFailure}\n${api.stderrTail()}`);
      }
      const cpuMicroseconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) / result.completed) * 1e6;
      return { rps: result.rps, cpuMicroseconds };
    };
    const samples = await interleavedRounds(variants, rounds, {
      warmUp: (variant) => run(variant, warmUpSeconds),
      measure: async (variant) => {
        const sample = await run(variant, seconds);
        const cpu = sample.cpuMicroseconds === undefined ? '' : `, server CPU ${sample.cpuMicroseconds.toFixed(0)} µs/request`;
        log(`  api ${runtime.id} ${variant.name.padEnd(11)} ${sample.rps.toFixed(0)} requests/s${cpu}`);
        return sample;
      },
    });
    const requestsPerSecond = summariseField(samples, 'rps');
    const { healthz, meRs256, meEs256, meRs256Cold, meEs256Cold } = requestsPerSecond;
    const cpu = summariseCpu(samples);
    const authOverhead = overhead(meRs256.median, healthz.median);
    const cpuOverhead = (variant) => overhead(cpu.healthz.median, cpu[variant].median);
    return {
      status: 'measured',
      what:
        'requests/s of GET /v1/me (bearer token checked on every request against a cached JWKS) vs GET /healthz (public, async) ' +
        'on one uvicorn process of the generated API; overhead = 1 - rps(/v1/me)/rps(/healthz), medians of interleaved rounds. ' +
        'meRs256/meEs256: steady state, each connection reuses its token (verified once, then the verified-token cache answers; ' +
        'time claims, kid and scopes still checked per request); meRs256Cold/meEs256Cold: every request a token the API ' +
        `has not seen recently (${COLD_TOKEN_POOL} distinct tokens per algorithm, cycled, more than the cache's ${API_TOKEN_CACHE_ENTRIES}), full verification each time`,
      runtime: runtime.id,
      server: { ...versions, processes: 1, accessLog: 'on (to /dev/null)', database: 'not used by these routes (never contacted)' },
      load: { generator: 'node:http closed loop, keep-alive', concurrency, secondsPerRound: seconds, warmUpSeconds, rounds },
      requestsPerSecond,
      // The server process's CPU time per request: what each request costs, largely independent of other load.
      // When the server is CPU-bound, 1 - rps(me)/rps(healthz) = 1 - cpu(healthz)/cpu(me): the same overhead.
      serverCpuMicrosecondsPerRequest: cpu,
      // Steady state (the target), as authOverhead; cpuOverheadCold for the cold path, as authOverheadCold.
      cpuOverhead: cpu ? { rs256: cpuOverhead('meRs256'), es256: cpuOverhead('meEs256') } : null,
      cpuOverheadCold: cpu ? { rs256: cpuOverhead('meRs256Cold'), es256: cpuOverhead('meEs256Cold') } : null,
      jwksFetches: jwksServer.fetches(),
      coldTokensPerAlgorithm: COLD_TOKEN_POOL,
      // Steady state: each connection reuses its token (the target applies to RS256 here).
      authOverhead: { rs256: authOverhead, es256: overhead(meEs256.median, healthz.median) },
      // Cold: every request a token not in the cache. Reported, not a target.
      authOverheadCold: { rs256: overhead(meRs256Cold.median, healthz.median), es256: overhead(meEs256Cold.median, healthz.median) },
      target: AUTH_OVERHEAD_TARGET,
      withinTarget: authOverhead <= AUTH_OVERHEAD_TARGET,
    };
  } finally {
    api.stop();
    stopJwks();
  }
}
