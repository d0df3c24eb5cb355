/**
 * `new --pin-digests`: the digest of each base image, asked from its registry with the OCI distribution API
 * (HEAD, then GET, on /v2/<repository>/manifests/<tag>, accepting image indexes and manifests, answering a
 * `WWW-Authenticate: Bearer` challenge with an anonymous token). The digest of the index (multi-platform list)
 * is what `docker pull name:tag@sha256:…` pins. Every request has a timeout; any failure leaves the tag
 * unpinned, and the caller prints one line about it.
 */
import { createHash } from 'node:crypto';
import { BASE_IMAGES, DIGEST_RE } from './images.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const DOCKER_HUB = 'docker.io';
const DEFAULT_TIMEOUT_MS = 10_000;

export interface ImageName {
  /** Registry host as written (`docker.io` when none is). */
  registry: string;
  /** Repository path (`library/python` for an official Docker Hub image). */
  repository: string;
  tag: string;
}

/** `python:3.13-slim`, `ghcr.io/o/r:1`, `127.0.0.1:5000/x/y:t` → registry, repository, tag. Digest refs are refused. */
export function parseImageName(reference: string): ImageName {
  if (reference.includes('@')) throw new Error(`${reference} already has a digest`);
  const slash = reference.indexOf('/');
  const first = slash === -1 ? '' : reference.slice(0, slash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : DOCKER_HUB;
  let rest = hasRegistry ? reference.slice(slash + 1) : reference;
  const colon = rest.lastIndexOf(':');
  if (colon === -1) throw new Error(`${reference} has no tag`);
  const tag = rest.slice(colon + 1);
  rest = rest.slice(0, colon);
  const repository = registry === DOCKER_HUB && !rest.includes('/') ? `library/${rest}` : rest;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository)) throw new Error(`${reference}: bad repository name`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new Error(`${reference}: bad tag`);
  return { registry, repository, tag };
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

/** The registry API's base URL: Docker Hub's API host for docker.io, plain http only for a loopback registry. */
export function registryBaseUrl(registry: string): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  return `${isLoopback(registry) ? 'http' : 'https'}://${registry}`;
}

export interface ResolveOptions {
  timeoutMs?: number;
  /** Overrides where a registry's API lives (tests point Docker Hub at a fake registry). */
  baseUrlFor?: (registry: string) => string;
}

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const part of match[1]!.matchAll(pattern)) params[part[1]!.toLowerCase()] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : part[3]!;
  return params.realm ? params : undefined;
}

async function fetchWithTimeout(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  return fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
}

async function anonymousToken(challenge: Record<string, string>, repository: string, timeoutMs: number): Promise<string> {
  const realm = new URL(challenge.realm!);
  if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopback(realm.host))) {
    throw new Error(`token realm ${realm.origin} is not https`);
  }
  if (challenge.service) realm.searchParams.set('service', challenge.service);
  realm.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`);
  const response = await fetchWithTimeout(realm.href, { headers: { Accept: 'application/json' } }, timeoutMs);
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  const body = (await response.json()) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
  if (!token) throw new Error('token endpoint gave no token');
  return token;
}

/** The sha256 digest of `reference`'s manifest (index) in its registry. Throws a one-line error on any failure. */
export async function resolveDigest(reference: string, options: ResolveOptions = {}): Promise<string> {
  const { registry, repository, tag } = parseImageName(reference);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const base = (options.baseUrlFor ?? registryBaseUrl)(registry).replace(/\/+$/, '');
  const url = `${base}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT };

  const request = async (method: 'HEAD' | 'GET'): Promise<Response> => {
    let response = await fetchWithTimeout(url, { method, headers }, timeoutMs);
    if (response.status === 401 && headers.Authorization === undefined) {
      const challenge = parseBearerChallenge(response.headers.get('www-authenticate') ?? '');
      if (!challenge) throw new Error(`${registry} asked for authentication this tool does not do`);
      headers.Authorization = `Bearer ${await anonymousToken(challenge, repository, timeoutMs)}`;
      response = await fetchWithTimeout(url, { method, headers }, timeoutMs);
    }
    return response;
  };

  const head = await request('HEAD');
  const fromHead = head.headers.get('docker-content-digest');
  if (head.ok && fromHead !== null && DIGEST_RE.test(fromHead)) return fromHead;

  const get = await request('GET');
  if (!get.ok) throw new Error(`${registry} answered ${get.status} for ${repository}:${tag}`);
  const body = Buffer.from(await get.arrayBuffer());
  const computed = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const stated = get.headers.get('docker-content-digest');
  if (stated !== null && stated !== computed) throw new Error(`${registry} sent a manifest whose digest is not the one it stated`);
  return computed;
}

export interface PinResult {
  /** reference → digest, for the images that resolved. */
  digests: Record<string, string>;
  /** One line per image left unpinned, with the reason. */
  failures: string[];
}

/** Resolves every base image of the containers layer (in parallel); failures leave that image on its tag. */
export async function pinBaseImageDigests(options: ResolveOptions = {}): Promise<PinResult> {
  const references = [...new Set(Object.values(BASE_IMAGES).map((image) => image.reference))];
  const results = await Promise.allSettled(references.map((reference) => resolveDigest(reference, options)));
  const digests: Record<string, string> = {};
  const failures: string[] = [];
  results.forEach((result, index) => {
    const reference = references[index]!;
    if (result.status === 'fulfilled') digests[reference] = result.value;
    else failures.push(`${reference}: ${oneLine(result.reason)}`);
  });
  return { digests, failures };
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : error.message) : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${message}${cause}`.split('\n')[0]!;
}
