/**
 * What authentication costs in the generated API: requests per second on GET /v1/me (a bearer token verified
 * on every request, against a JWKS fetched once and cached) against GET /healthz (public, no token), on the
 * same uvicorn process, under the same closed-loop load on loopback.
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
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchOnce, measureThroughput } from './stack-load.mjs';
import { cpuSeconds, freePort, interleavedRounds, overhead, summariseCpu, summariseField } from './stack-lib.mjs';

export const PYTHON = '/usr/bin/python3';
/** Everything the generated app imports at start-up, plus the server. */
const PYTHON_MODULES = ['uvicorn', 'fastapi', 'jwt', 'cryptography', 'httpx', 'psycopg', 'psycopg_pool'];
export const AUTH_OVERHEAD_TARGET = 0.15;

const ISSUER = 'https://idp.bench.example/';
const AUDIENCE = 'bench-api';
const TENANT = '3f2b9c1e-6a4d-4c1b-9d2e-7a8b9c0d1e2f';
const SUBJECT = 'bench-user-1';

/** Why the API benchmark cannot run here, or undefined. */
export function apiToolMissing() {
  const probe = spawnSync(PYTHON, ['-c', `import ${PYTHON_MODULES.join(', ')}`], { encoding: 'utf8', env: pythonEnv({}) });
  if (probe.error?.code === 'ENOENT') return `${PYTHON} is missing (apt-get install python3)`;
  if (probe.status !== 0) {
    const last = (probe.stderr ?? '').trim().split('\n').at(-1) ?? '';
    return `Debian's Python packages are missing (python3-fastapi python3-uvicorn python3-jwt python3-cryptography python3-httpx python3-psycopg python3-psycopg-pool): ${last}`;
  }
  return undefined;
}

function pythonEnv(extra) {
  return { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

/** Versions of what serves the requests, for the report (the HTTP parser decides much of the baseline). */
function serverVersions() {
  const script = [
    'import importlib.util, json, sys, uvicorn, fastapi, starlette, jwt, cryptography',
    'http = "httptools" if importlib.util.find_spec("httptools") else "h11"',
    'print(json.dumps({"python": sys.version.split()[0], "uvicorn": uvicorn.__version__, "fastapi": fastapi.__version__,',
    '  "starlette": starlette.__version__, "pyjwt": jwt.__version__, "cryptography": cryptography.__version__, "httpParser": http}))',
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', env: pythonEnv({}) });
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
  /** An access token (typ at+jwt, scope, tenant claim) valid for `lifetimeSeconds`, signed with RS256 or ES256. */
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
async function startApi(apiDir, port, settings, cleanup) {
  const child = spawn(PYTHON, ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(port), '--no-server-header'], {
    cwd: apiDir,
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

/**
 * Measures requests/s on /healthz, /v1/me with an RS256 token and /v1/me with an ES256 token, interleaved.
 * The target applies to RS256, the algorithm identity providers sign with by default; ES256 is reported too
 * (its verification costs more CPU in OpenSSL).
 */
export async function benchmarkApi({ projectDir, concurrency, seconds, warmUpSeconds, rounds, cleanup, log }) {
  const versions = serverVersions();
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
  const api = await startApi(path.join(projectDir, 'api'), port, settings, cleanup);
  // The same token is sent for the whole run (the API verifies it every time; nothing caches a verdict): it
  // must outlive the run, however long the rounds are made.
  const lifetime = 3600 + 3 * (warmUpSeconds + rounds * seconds);
  try {
    const variants = [
      { name: 'healthz', target: { port, path: '/healthz', headers: { host: '127.0.0.1' } } },
      { name: 'meRs256', target: { port, path: '/v1/me', headers: { host: '127.0.0.1', authorization: `Bearer ${idp.accessToken('RS256', lifetime)}` } } },
      { name: 'meEs256', target: { port, path: '/v1/me', headers: { host: '127.0.0.1', authorization: `Bearer ${idp.accessToken('ES256', lifetime)}` } } },
    ];
    // Measure what we think we measure: the token is accepted and its claims come back.
    for (const variant of variants.slice(1)) {
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
        log(`  api ${variant.name.padEnd(8)} ${sample.rps.toFixed(0)} requests/s${cpu}`);
        return sample;
      },
    });
    const { healthz, meRs256, meEs256 } = summariseField(samples, 'rps');
    const cpu = summariseCpu(samples);
    const authOverhead = overhead(meRs256.median, healthz.median);
    return {
      status: 'measured',
      what:
        'requests/s of GET /v1/me (bearer token verified on every request against a cached JWKS) vs GET /healthz (public) ' +
        'on one uvicorn process of the generated API; overhead = 1 - rps(/v1/me)/rps(/healthz), medians of interleaved rounds',
      server: { ...versions, processes: 1, accessLog: 'on (to /dev/null)', database: 'not used by these routes (never contacted)' },
      load: { generator: 'node:http closed loop, keep-alive', concurrency, secondsPerRound: seconds, warmUpSeconds, rounds },
      requestsPerSecond: { healthz, meRs256, meEs256 },
      // The server process's CPU time per request: what each request costs, largely independent of other load.
      // When the server is CPU-bound, 1 - rps(me)/rps(healthz) = 1 - cpu(healthz)/cpu(me): the same overhead.
      serverCpuMicrosecondsPerRequest: cpu,
      cpuOverhead: cpu
        ? { rs256: overhead(cpu.healthz.median, cpu.meRs256.median), es256: overhead(cpu.healthz.median, cpu.meEs256.median) }
        : null,
      jwksFetches: jwksServer.fetches(),
      authOverhead: { rs256: authOverhead, es256: overhead(meEs256.median, healthz.median) },
      target: AUTH_OVERHEAD_TARGET,
      withinTarget: authOverhead <= AUTH_OVERHEAD_TARGET,
    };
  } finally {
    api.stop();
    stopJwks();
  }
}
