import type { RenderExtras } from '../../pipeline/generate.js';
import { apiValues } from '../api/index.js';
import { dbRoles } from '../db/index.js';
import type { LayerDefinition, RenderContext } from '../types.js';
import { resolveBaseImages } from './images.js';

/** Numeric, non-zero user and group of the api and web images (CTR-01). */
export const APP_UID = 10001;
/** The postgres user of the official Debian-based postgres image. */
export const POSTGRES_UID = 999;

/**
 * Containers: non-root multi-stage Dockerfiles for api/ and web/ with optional build-secret mounts, a
 * `.dockerignore` per build context, and a hardened compose.yaml (read-only root, no capabilities,
 * no-new-privileges, file secrets, internal backend network, one-shot migration job, resource limits).
 */
export const containersLayer: LayerDefinition = {
  id: 'containers',
  title: 'Containers',
  summary: 'non-root multi-stage Dockerfiles, hardened compose, file secrets',
  directory: '',
  generated: true,
  context: (base) => ({ containers: containerValues(base, (base as RenderContext & Partial<RenderExtras>).baseImageDigests ?? {}) }),
  place(outputPath, context) {
    // Each image builds a layer's folder: no Dockerfile for a layer that was not chosen.
    if (outputPath.startsWith('api/')) return context.has.api ? outputPath : undefined;
    if (outputPath.startsWith('web/')) return context.has.web ? outputPath : undefined;
    // The dev override publishes the API beside the web app; without both there is nothing to add.
    if (outputPath === 'compose.dev.yaml') return context.has.api && context.has.web ? outputPath : undefined;
    // Without a service to run, there is no compose file and no secret to make.
    if (!context.has.api && !context.has.web && !context.has.db && outputPath !== 'CONTAINERS.md') return undefined;
    return outputPath;
  },
};

export function containerValues(context: RenderContext, digests: Readonly<Record<string, string>>) {
  const images = resolveBaseImages(digests);
  const roles = dbRoles(context.names.dbPrefix);
  const database = context.names.dbPrefix;
  const api = apiValues(context);
  const used = [
    ...(context.has.api ? [images.python] : []),
    ...(context.has.web ? [images.node] : []),
    ...(context.has.db ? [images.postgres] : []),
  ];
  return {
    images,
    unpinned: used.filter((image) => !image.pinned).map((image) => image.reference),
    uid: String(APP_UID),
    postgresUid: String(POSTGRES_UID),
    roles,
    database,
    apiImage: `${context.names.docker}-api:local`,
    webImage: `${context.names.docker}-web:local`,
    migratorUrl: `postgresql://${roles.migrator}@db:5432/${database}?sslmode=verify-full&sslrootcert=/run/secrets/db_ca_crt`,
    /** Compose interpolation with the web layer's default client id (the npm name: no `$`, no `}`). */
    webClientId: `\${OIDC_CLIENT_ID:-${context.names.npm}}`,
    apiAllowedHosts: api.allowedHosts,
    fixedTenantId: api.fixedTenantId,
    /** Answers as compose values: compose interpolates `$`, so each is doubled to stay a literal `$`. */
    compose: {
      oidcIssuer: composeLiteral(context.answers.oidcIssuer),
      oidcAudience: composeLiteral(context.answers.oidcAudience),
      jwksUri: composeLiteral(api.jwksUri),
    },
    secrets: composeSecrets(context),
  };
}

/** A value compose must not interpolate: `$` → `$$` (compose's own escape for a literal dollar sign). */
export function composeLiteral(value: string): string {
  return value.split('$').join('$$');
}

export interface ComposeSecret {
  name: string;
  /** Which services mount it. */
  services: string[];
  what: string;
}

/** Every file secret of compose.yaml, in the order make-secrets.sh creates them. */
export function composeSecrets(context: RenderContext): ComposeSecret[] {
  const { has } = context;
  const list: ComposeSecret[] = [];
  if (has.db) {
    list.push(
      { name: 'postgres_password', services: ['db'], what: 'the postgres superuser password (socket-only login; required by the image)' },
      { name: 'db_app_password', services: ['db'], what: 'password of the application role, set by db/init.sh' },
      { name: 'db_migrator_password', services: ['db', 'migrate'], what: 'password of the migration role, set by db/init.sh' },
    );
  }
  if (has.api) list.push({ name: 'database_url', services: ['api'], what: 'the API connection URL (application role, password, verify-full)' });
  if (has.db) {
    list.push(
      { name: 'db_ca_crt', services: has.api ? ['migrate', 'api'] : ['migrate'], what: 'the CA certificate clients verify the database with' },
      { name: 'db_server_crt', services: ['db'], what: "the database server's certificate (host name db)" },
      { name: 'db_server_key', services: ['db'], what: "the database server's private key" },
    );
  }
  if (has.web) {
    list.push(
      { name: 'session_secret', services: ['web'], what: 'key of the web session cookie' },
      { name: 'next_server_actions_encryption_key', services: ['web'], what: 'Next.js Server Actions encryption key (32 bytes, base64)' },
      { name: 'oidc_client_secret', services: ['web'], what: 'the web app client secret your identity provider issued' },
    );
  }
  return list;
}
