/**
 * `--pin-digests` against a fake OCI registry on 127.0.0.1: the bearer-token challenge is answered, the digest comes
 * from Docker-Content-Digest (HEAD) or from the manifest bytes (GET), the Accept header asks for indexes first,
 * a wrong stated digest, an error status, a hang (timeout) and an unreachable registry all leave the tag.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_ACCEPT, parseBearerChallenge, parseImageName, pinBaseImageDigests, resolveDigest } from '../../../src/layers/containers/digests.js';

const TOKEN = 'anon-token-123';
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
const MANIFEST_DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; accept?: string; auth?: string }> = [];

function handler(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '';
  seen.push({ method: request.method ?? '', url, accept: request.headers.accept, auth: request.headers.authorization });
  if (url.startsWith('/token?')) {
    const query = new URL(url, base).searchParams;
    if (query.get('service') !== 'fake-registry' || !query.get('scope')?.startsWith('repository:library/')) {
      response.writeHead(400).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
    return;
  }
  if (request.headers.authorization !== `Bearer ${TOKEN}`) {
    response
      .writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="fake-registry",scope="repository:${url.split('/manifests/')[0]!.slice(4)}:pull"` })
      .end();
    return;
  }
  const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url);
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  const [, repository, tag] = match;
  if (repository === 'library/hang') return; // never answers: the client's timeout must fire
  if (repository === 'library/missing') {
    response.writeHead(404).end();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
  // library/python states its digest; library/node does not (the client hashes the body); library/liar lies.
  if (repository === 'library/python' || repository === 'library/postgres') headers['docker-content-digest'] = MANIFEST_DIGEST;
  if (repository === 'library/liar' && request.method === 'GET') headers['docker-content-digest'] = `sha256:${'0'.repeat(64)}`;
  response.writeHead(200, headers).end(request.method === 'HEAD' ? undefined : `${MANIFEST}${tag === 'other' ? ' ' : ''}`);
}

beforeAll(async () => {
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const options = () => ({ baseUrlFor: () => base, timeoutMs: 2000 });

describe('resolveDigest against a fake registry on loopback', () => {
  it('answers the bearer challenge and takes Docker-Content-Digest from HEAD', async () => {
    seen.length = 0;
    expect(await resolveDigest('python:3.13-slim-trixie', options())).toBe(MANIFEST_DIGEST);
    expect(seen.map((request) => request.method)).toEqual(['HEAD', 'GET', 'HEAD']);
    expect(seen[0]!.accept).toBe(MANIFEST_ACCEPT);
    expect(seen[0]!.accept!.startsWith('application/vnd.oci.image.index.v1+json')).toBe(true);
    expect(seen[1]!.url).toMatch(/^\/token\?service=fake-registry&scope=repository%3Alibrary%2Fpython%3Apull$/);
    expect(seen[2]!.auth).toBe(`Bearer ${TOKEN}`);
  });

  it('hashes the manifest bytes when the registry states no digest', async () => {
    expect(await resolveDigest('node:24-trixie-slim', options())).toBe(MANIFEST_DIGEST);
    const other = await resolveDigest('node:other', options());
    expect(other).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(other).not.toBe(MANIFEST_DIGEST);
  });

  it('refuses a manifest whose stated digest does not match its bytes, a 404, and a hang', async () => {
    await expect(resolveDigest('liar:1', options())).rejects.toThrow(/not the one it stated/);
    await expect(resolveDigest('missing:1', options())).rejects.toThrow(/404/);
    const started = Date.now();
    await expect(resolveDigest('hang:1', { baseUrlFor: () => base, timeoutMs: 300 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a loopback registry named in the reference is spoken to over http', async () => {
    const host = new URL(base).host;
    expect(await resolveDigest(`${host}/library/python:3.13`, { timeoutMs: 2000 })).toBe(MANIFEST_DIGEST);
  });

  it('pins every base image, or leaves the ones that fail on their tag with a reason', async () => {
    const pinned = await pinBaseImageDigests(options());
    expect(pinned).toEqual({
      digests: { 'python:3.13-slim-trixie': MANIFEST_DIGEST, 'node:24-trixie-slim': MANIFEST_DIGEST, 'postgres:17-trixie': MANIFEST_DIGEST },
      failures: [],
    });
    const offline = await pinBaseImageDigests({ baseUrlFor: () => 'http://127.0.0.1:1', timeoutMs: 1000 });
    expect(offline.digests).toEqual({});
    expect(offline.failures).toHaveLength(3);
    expect(offline.failures[0]).toMatch(/^python:3\.13-slim-trixie: /);
  });
});

describe('parsing', () => {
  it('splits image references the way docker does', () => {
    expect(parseImageName('python:3.13-slim')).toEqual({ registry: 'docker.io', repository: 'library/python', tag: '3.13-slim' });
    expect(parseImageName('ghcr.io/o/r:v1')).toEqual({ registry: 'ghcr.io', repository: 'o/r', tag: 'v1' });
    expect(parseImageName('localhost:5000/x:1')).toEqual({ registry: 'localhost:5000', repository: 'x', tag: '1' });
    expect(() => parseImageName('python')).toThrow(/no tag/);
    expect(() => parseImageName('python:1@sha256:00')).toThrow(/digest/);
    expect(() => parseImageName('Python/../x:1')).toThrow();
  });

  it('reads a bearer challenge and ignores other schemes', () => {
    expect(parseBearerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull"')).toEqual({
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/python:pull',
    });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
  });

  it('refuses a token realm that is not https (except on loopback)', async () => {
    const evil = createServer((_request, response) => {
      response.writeHead(401, { 'www-authenticate': 'Bearer realm="http://example.com/token",service="x"' }).end();
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    try {
      await expect(resolveDigest('python:1', { baseUrlFor: () => url, timeoutMs: 2000 })).rejects.toThrow(/not https/);
    } finally {
      evil.closeAllConnections();
      await new Promise<void>((resolve) => evil.close(() => resolve()));
    }
  });
});
