/**
 * A throwaway PostgreSQL cluster for one test file: initdb in a temporary directory (as the `postgres` OS user when
 * the tests run as root), a free port on 127.0.0.1 plus a private socket directory, the server configuration
 * under test installed into it, and a CA and server certificate made on the fly with openssl so that clients can
 * connect with sslmode=verify-full. `stop()` kills the server and removes the directory; call it from afterAll.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';

const PG_BASE = '/usr/lib/postgresql';

/** The bin/ directory of the newest PostgreSQL installed under /usr/lib/postgresql with initdb, pg_ctl and psql. */
export function findPgBin(): string | undefined {
  if (!existsSync(PG_BASE)) return undefined;
  const versions = readdirSync(PG_BASE)
    .filter((version) => ['initdb', 'pg_ctl', 'psql'].every((tool) => existsSync(path.join(PG_BASE, version, 'bin', tool))))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(PG_BASE, versions[0], 'bin');
}

/** Whether `openssl` runs here (certificates are made with it). */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Why a real-server test cannot run here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (findPgBin() === undefined) return `no PostgreSQL binaries (initdb, pg_ctl, psql) under ${PG_BASE}`;
  if (!hasOpenssl()) return 'openssl is not installed';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0) {
    return 'running as root but there is no postgres OS user to run the server';
  }
  return undefined;
}

export interface PsqlResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface PsqlOptions {
  /** Database role to connect as. */
  user: string;
  password?: string;
  /** Defaults to the cluster's default database. */
  database?: string;
  /** `socket`: the Unix socket (no TLS); `tcp`: 127.0.0.1 and the cluster's port. */
  via: 'socket' | 'tcp';
  /** For tcp; defaults to verify-full against the cluster's CA. */
  sslmode?: 'disable' | 'require' | 'verify-full';
  /** The CA certificate for verify-full; defaults to the cluster's CA. */
  sslrootcert?: string;
  /** psql variables (`-v name=value`). */
  vars?: Record<string, string>;
  /** SQL fed to psql on standard input (`-f -`), so files need not be readable by the postgres OS user. */
  sql: string;
  /** Extra psql arguments, before `-f -`. */
  args?: string[];
}

export interface PgCluster {
  readonly bin: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly port: number;
  /** The superuser: `postgres` when running as root (peer over the socket), else the OS user (password). */
  readonly superuser: string;
  readonly superuserPassword: string;
  /** The CA that signed the server certificate (sslrootcert for verify-full). */
  readonly caFile: string;
  /** A CA that did not sign it (verify-full against it must fail). */
  readonly otherCaFile: string;
  /** A libpq conninfo string for the given role over TCP (verify-full by default) or the socket. */
  conninfo(options: Omit<PsqlOptions, 'sql' | 'vars' | 'args' | 'password'>): string;
  /** Runs psql with ON_ERROR_STOP; never throws for a failing psql, returns its status and output. */
  psql(options: PsqlOptions): PsqlResult;
  /** psql as the superuser over the socket; throws with psql's output when it fails. */
  superSql(sql: string, database?: string): string;
  /** Runs a program as the OS user the cluster runs as (root → postgres), with the given environment. */
  runAsServerUser(command: string, args: string[], env: Record<string, string>): PsqlResult;
  /** Writes a file (mode 0600) that only the OS user of the cluster reads: a pgpass file, a password file. */
  writePrivateFile(name: string, text: string): string;
  /** Replaces a file in the data directory (pg_hba.conf, the included configuration) and restarts the server. */
  replaceConfig(name: 'pg_hba.conf' | typeof INCLUDED_CONF, text: string): void;
  /** The server log so far. */
  log(): string;
  stop(): void;
}

/** The name the configuration under test gets in the data directory; postgresql.conf includes it. */
export const INCLUDED_CONF = 'secure-stack.conf';

const IS_ROOT = process.getuid?.() === 0;

function osId(flag: '-u' | '-g', user: string): number {
  return Number(execFileSync('id', [flag, user]).toString().trim());
}

/** A port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A self-signed CA (prime256v1) named `name`: `name.crt` and `name.key` in `dir`. */
function makeCa(dir: string, name: string): void {
  openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

/** server.crt / server.key in `dir`, signed by the CA `ca`, for localhost and 127.0.0.1 (what verify-full checks). */
function makeServerCert(dir: string, ca: string): void {
  writeFileSync(
    path.join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  openssl(
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'],
    dir,
  );
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'],
    dir,
  );
}

/** Environment for client programs: nothing inherited from the caller's PG* variables or service files. */
function clientEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    LANG: 'C.UTF-8',
    PGCLIENTENCODING: 'UTF8',
    PGCONNECT_TIMEOUT: '10',
    PGSYSCONFDIR: '/nonexistent',
    ...extra,
  };
}

export interface StartOptions {
  /** The configuration under test, included from the cluster's postgresql.conf. */
  postgresqlConf: string;
  /** Installed as the cluster's pg_hba.conf. */
  pgHba: string;
  /** Created (owned by the superuser) once the server runs. */
  database?: string;
}

export async function startCluster(options: StartOptions): Promise<PgCluster> {
  const bin = findPgBin();
  if (bin === undefined) throw new Error(`no PostgreSQL binaries under ${PG_BASE}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'secure-stack-pg-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const tlsDir = path.join(dir, 'tls');
  const privateDir = path.join(dir, 'private');
  const superuser = IS_ROOT ? 'postgres' : userInfo().username;
  const superuserPassword = 'superuser-test-password';
  const serverUid = IS_ROOT ? osId('-u', 'postgres') : undefined;
  const serverGid = IS_ROOT ? osId('-g', 'postgres') : undefined;
  const asServerUser = (command: string, args: string[], env: Record<string, string> = {}, input?: string): PsqlResult => {
    const full = IS_ROOT ? ['runuser', ['-u', 'postgres', '--', command, ...args]] as const : [command, args] as const;
    const result = spawnSync(full[0], [...full[1]], { env: clientEnv(env), input, encoding: 'utf8', maxBuffer: 64 << 20, cwd: dir });
    return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
  };
  /** A file (mode 0600) owned by the OS user of the server. */
  const writeServerFile = (target: string, content: string | Buffer): void => {
    writeFileSync(target, content, { mode: 0o600 });
    if (serverUid !== undefined && serverGid !== undefined) chownSync(target, serverUid, serverGid);
  };
  const readLog = (): string => {
    const file = path.join(dir, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  const mustAsServerUser = (command: string, args: string[]): void => {
    const result = asServerUser(command, args);
    if (result.status !== 0) throw new Error(`${path.basename(command)} failed (${result.status}): ${result.stderr}${result.stdout}`);
  };

  let port = 0;
  const pgCtl = (action: 'start' | 'stop' | 'restart'): void => {
    const args = ['-D', dataDir, '-w', '-s', '-t', '60', '-l', path.join(dir, 'server.log')];
    if (action === 'stop') args.push('-m', 'immediate');
    else args.push('-o', `-F -c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir}`);
    mustAsServerUser(path.join(bin, 'pg_ctl'), [...args, action]);
  };

  let started = false;
  const stop = (): void => {
    try {
      if (started) pgCtl('stop');
    } catch {
      // already gone
    } finally {
      started = false;
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    // The directory is reachable by the postgres OS user (its socket, data and log live under it).
    chmodSync(dir, 0o755);
    for (const sub of [socketDir, tlsDir, privateDir]) mkdirSync(sub);
    if (serverUid !== undefined && serverGid !== undefined) {
      for (const owned of [dir, socketDir, privateDir]) chownSync(owned, serverUid, serverGid);
    }
    chmodSync(socketDir, 0o700);
    chmodSync(privateDir, 0o700);

    const pwFile = path.join(dir, 'superuser.pw');
    writeServerFile(pwFile, `${superuserPassword}\n`);
    mustAsServerUser(path.join(bin, 'initdb'), [
      '-D', dataDir, '-U', superuser, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8',
    ]);
    rmSync(pwFile);

    const writeDataFile = (name: string, content: string | Buffer): void => writeServerFile(path.join(dataDir, name), content);

    // server.crt and server.key in the data directory: PostgreSQL's defaults for ssl_cert_file and ssl_key_file.
    makeCa(tlsDir, 'ca');
    makeServerCert(tlsDir, 'ca');
    makeCa(tlsDir, 'other-ca');
    for (const file of ['server.crt', 'server.key']) writeDataFile(file, readFileSync(path.join(tlsDir, file)));
    chmodSync(tlsDir, 0o755);
    for (const file of ['ca.crt', 'other-ca.crt']) chmodSync(path.join(tlsDir, file), 0o644);

    writeDataFile(INCLUDED_CONF, options.postgresqlConf);
    writeDataFile('pg_hba.conf', options.pgHba);
    writeDataFile('postgresql.conf', `${readFileSync(path.join(dataDir, 'postgresql.conf'), 'utf8')}\ninclude '${INCLUDED_CONF}'\n`);

    port = await freePort();
    pgCtl('start');
    started = true;

    const caFile = path.join(tlsDir, 'ca.crt');
    const cluster: PgCluster = {
      bin,
      dir,
      dataDir,
      socketDir,
      port,
      superuser,
      superuserPassword,
      caFile,
      otherCaFile: path.join(tlsDir, 'other-ca.crt'),
      conninfo({ user, database, via, sslmode, sslrootcert }) {
        const words: Record<string, string> =
          via === 'socket'
            ? { host: socketDir, port: String(port) }
            : { host: '127.0.0.1', port: String(port), sslmode: sslmode ?? 'verify-full', ...(sslmode === 'disable' ? {} : { sslrootcert: sslrootcert ?? caFile }) };
        Object.assign(words, { dbname: database ?? options.database ?? 'postgres', user });
        return Object.entries(words)
          .map(([key, value]) => `${key}='${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`)
          .join(' ');
      },
      psql(psqlOptions) {
        const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1'];
        for (const [name, value] of Object.entries(psqlOptions.vars ?? {})) args.push('-v', `${name}=${value}`);
        args.push(...(psqlOptions.args ?? []), '-d', cluster.conninfo(psqlOptions), '-f', '-');
        const env: Record<string, string> = psqlOptions.password === undefined ? {} : { PGPASSWORD: psqlOptions.password };
        // The superuser over the socket authenticates by peer: psql must run as the postgres OS user.
        if (psqlOptions.via === 'socket' && psqlOptions.user === superuser) return asServerUser(path.join(bin, 'psql'), args, env, psqlOptions.sql);
        const result = spawnSync(path.join(bin, 'psql'), args, { env: clientEnv(env), input: psqlOptions.sql, encoding: 'utf8', maxBuffer: 64 << 20 });
        return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
      },
      superSql(sql, database) {
        const result = cluster.psql({ user: superuser, password: superuserPassword, via: 'socket', database: database ?? 'postgres', sql, args: ['-A', '-t'] });
        if (result.status !== 0) throw new Error(`superuser psql failed (${result.status}): ${result.stderr}`);
        return result.stdout;
      },
      runAsServerUser(command, args, env) {
        return asServerUser(command, args, env);
      },
      writePrivateFile(name, text) {
        const target = path.join(privateDir, name);
        writeServerFile(target, text);
        return target;
      },
      replaceConfig(name, text) {
        writeDataFile(name, text);
        pgCtl('restart');
      },
      log: readLog,
      stop,
    };
    if (options.database !== undefined) cluster.superSql(`CREATE DATABASE "${options.database.replaceAll('"', '""')}";`);
    return cluster;
  } catch (error) {
    const log = readLog();
    stop();
    throw new Error(`could not start a throwaway PostgreSQL cluster: ${(error as Error).message}${log ? `\nserver log:\n${log}` : ''}`);
  }
}
