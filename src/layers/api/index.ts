import { createHash } from 'node:crypto';
import type { LayerDefinition, RenderContext } from '../types.js';

/** RFC 4122 namespace for the example single-tenant id (a v5 UUID of the project name: stable, not secret). */
const TENANT_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8'; // the URL namespace

/** api/: FastAPI service with OIDC/JWT verification, default-deny scopes, tenant context and its attack suite. */
export const apiLayer: LayerDefinition = {
  id: 'api',
  title: 'FastAPI service',
  summary: 'OIDC/JWT auth middleware, scopes, tenant context, attack tests',
  directory: 'api',
  generated: true,
  context: (base) => ({ api: apiValues(base) }),
};

export interface ApiValues {
  /** Where most IdPs publish their keys; the README says to take `jwks_uri` from the discovery document. */
  jwksUri: string;
  /** APP_TENANT_ID for a single-tenant project: the id of its one row in app.tenants. */
  fixedTenantId: string;
  /** ALLOWED_HOSTS for local runs (and the compose service name when containers are generated). */
  allowedHosts: string;
}

export function apiValues(context: RenderContext): ApiValues {
  const issuer = context.answers.oidcIssuer;
  return {
    jwksUri: `${issuer.endsWith('/') ? issuer : `${issuer}/`}.well-known/jwks.json`,
    fixedTenantId: uuidV5(TENANT_NAMESPACE, `secure-stack:${context.names.project}`),
    allowedHosts: ['localhost', '127.0.0.1', ...(context.has.containers ? ['api'] : [])].join(','),
  };
}

/** RFC 4122 §4.3 name-based UUID (SHA-1, version 5). */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
