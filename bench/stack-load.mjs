/**
 * A closed-loop HTTP load generator on node:http: `concurrency` keep-alive connections, each sending its next
 * request as soon as the previous response has been read, for a fixed time. Used instead of ab or wrk, which
 * the CI image does not install. Every response is read to the end; one whose status is not the expected one
 * counts as a failure (and the first such status and body are kept, to say what went wrong).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request; resolves with the status and the body (as text, capped: only the first failure is shown). */
function send(agent, { port, path, headers }) {
  return new Promise((resolve, reject) => {
    const outgoing = request({ agent, host: '127.0.0.1', port, path, method: 'GET', headers }, (response) => {
      const chunks = [];
      let length = 0;
      response.on('data', (chunk) => {
        if (length < 4096) chunks.push(chunk);
        length += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A single request with a fresh connection: for readiness probes and the sanity checks before the load. */
export async function fetchOnce(target) {
  const agent = new Agent({ keepAlive: false });
  try {
    return await send(agent, target);
  } finally {
    agent.destroy();
  }
}

/**
 * Sends requests to `target` ({port, path, headers}) from `concurrency` connections for `seconds` seconds and
 * returns {completed, failures, seconds, rps, firstFailure}: rps counts successful responses over the time
 * from the first request to the last response (requests in flight at the deadline are waited for and count).
 */
export async function measureThroughput(target, { concurrency, seconds, expectStatus = 200 }) {
  // `headers` may be a function: called once per request, for requests that must differ (a new token each time).
  const nextTarget = typeof target.headers === 'function' ? () => ({ ...target, headers: target.headers() }) : () => target;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  let completed = 0;
  let failures = 0;
  let firstFailure;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const connection = async () => {
    while (performance.now() < deadline) {
      try {
        const { status, body } = await send(agent, nextTarget());
        if (status === expectStatus) completed += 1;
        else {
          failures += 1;
          firstFailure ??= `HTTP ${status}: ${body.slice(0, 300)}`;
        }
      } catch (error) {
        failures += 1;
        firstFailure ??= error.message;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, connection));
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - started) / 1000;
  return { completed, failures, seconds: elapsed, rps: completed / elapsed, firstFailure };
}
