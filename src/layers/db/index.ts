import type { LayerDefinition, RenderContext } from '../types.js';

/** The PostgreSQL role names of a project, derived from its database prefix (`demo_app` → `demo_app_owner`…). */
export interface DbRoles {
  /** NOLOGIN; owns schema `app` and every object in it. */
  owner: string;
  /** LOGIN; a member of the owner, used only by the migration job (its sessions act as the owner). */
  migrator: string;
  /** LOGIN; the application: NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT, a member of nothing. */
  app: string;
  /** NOLOGIN; SELECT on the app tables, still under row-level security. */
  readonly: string;
}

export function dbRoles(dbPrefix: string): DbRoles {
  return {
    owner: `${dbPrefix}_owner`,
    migrator: `${dbPrefix}_migrator`,
    app: `${dbPrefix}_app`,
    readonly: `${dbPrefix}_readonly`,
  };
}

/**
 * db/: least-privilege roles, schema `app`, tenant tables under FORCE row-level security with fail-closed policies,
 * hardened postgresql.conf / pg_hba.conf fragments, and the policy tests the generated repository runs with psql.
 */
export const dbLayer: LayerDefinition = {
  id: 'db',
  title: 'PostgreSQL',
  summary: 'least-privilege roles, FORCE row-level security, hardened server config',
  directory: 'db',
  generated: true,
  context: (base: RenderContext) => ({
    roles: dbRoles(base.names.dbPrefix),
    database: base.names.dbPrefix,
  }),
};
