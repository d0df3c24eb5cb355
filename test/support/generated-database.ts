/**
 * The generated database brought up as its README says, on a throwaway cluster (test/support/postgres.ts): the
 * generated postgresql.conf and pg_hba.conf installed, db/init.sh run by the superuser over the Unix socket with
 * the role passwords in files, db/migrate.sh up as the migrator over TLS verify-full. For tests that need the
 * database ready rather than tests of those steps (test/layers/db/server.test.ts checks the steps themselves).
 */
import { chmodSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startCluster, type PgCluster } from './postgres.js';

export interface GeneratedDatabaseOptions {
  /** The project's database name, also the prefix of its roles (`<database>_app`, `<database>_migrator`). */
  database: string;
  appPassword: string;
  migratorPassword: string;
}

export interface GeneratedDatabase {
  cluster: PgCluster;
  /** The application role's URL over 127.0.0.1, TLS verify-full against the cluster's CA, password included. */
  appUrl: string;
}

/** Starts the cluster and runs init.sh and migrate.sh of the project in `projectDir`; throws when one fails. */
export async function startGeneratedDatabase(projectDir: string, { database, appPassword, migratorPassword }: GeneratedDatabaseOptions): Promise<GeneratedDatabase> {
  const generated = (file: string): string => path.join(projectDir, file);
  chmodSync(projectDir, 0o755); // the postgres OS user runs the generated scripts
  const cluster = await startCluster({
    postgresqlConf: readFileSync(generated('db/postgresql.conf'), 'utf8'),
    pgHba: readFileSync(generated('db/pg_hba.conf'), 'utf8'),
    database,
  });
  const c = cluster;
  const overTls = (role: string, password: string): string =>
    `postgresql://${role}:${password}@127.0.0.1:${c.port}/${database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(c.caFile)}`;
  try {
    const tools = { PATH: `${c.bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    const init = c.runAsServerUser(generated('db/init.sh'), [`postgresql:///${database}?host=${encodeURIComponent(c.socketDir)}&port=${c.port}&user=${c.superuser}`], {
      ...tools,
      PGPASSFILE: c.writePrivateFile('pgpass', `*:*:*:${c.superuser}:${c.superuserPassword}\n*:*:*:${database}_migrator:${migratorPassword}\n`),
      APP_PASSWORD_FILE: c.writePrivateFile('app_password', `${appPassword}\n`),
      MIGRATOR_PASSWORD_FILE: c.writePrivateFile('migrator_password', `${migratorPassword}\n`),
    });
    if (init.status !== 0) throw new Error(`db/init.sh failed: ${init.stderr}${init.stdout}`);
    const migrate = c.runAsServerUser(generated('db/migrate.sh'), ['up'], { ...tools, DATABASE_URL: overTls(`${database}_migrator`, migratorPassword) });
    if (migrate.status !== 0) throw new Error(`db/migrate.sh failed: ${migrate.stderr}${migrate.stdout}`);
  } catch (error) {
    c.stop(); // the caller never gets the cluster to stop
    throw error;
  }
  return { cluster, appUrl: overTls(`${database}_app`, appPassword) };
}
