/** The secrets inventory of SECRETS.md: each chosen layer brings the secrets it reads. */
import type { RenderContext } from '../types.js';

export interface SecretEntry {
  name: string;
  usedBy: string;
  storedIn: string;
  rotation: string;
  rotateNowIf: string;
}

export function secretsInventory({ has }: Pick<RenderContext, 'has'>): SecretEntry[] {
  const secrets: SecretEntry[] = [];
  if (has.api || has.web) {
    secrets.push({
      name: 'Identity provider signing keys',
      usedBy: 'identity provider (the API only reads the public JWKS)',
      storedIn: 'the identity provider',
      rotation: 'every 90 days, with overlap',
      rotateNowIf: 'a private key may have leaked',
    });
  }
  if (has.api) {
    secrets.push({
      name: 'API metrics scrape token',
      usedBy: 'Prometheus, to scrape the api\'s /metrics',
      storedIn: 'secret file read through METRICS_TOKEN_FILE, and the same file in the Prometheus configuration',
      rotation: 'every 180 days',
      rotateNowIf: 'the monitoring host or its configuration was exposed',
    });
  }
  if (has.db) {
    secrets.push(
      {
        name: 'Database application role password',
        usedBy: has.api ? 'API' : 'application',
        storedIn: 'secret file mounted at /run/secrets, read through DATABASE_URL_FILE',
        rotation: 'every 90 days',
        rotateNowIf: 'a DSN or password appeared in a log, a ticket or an image',
      },
      {
        name: 'Database migrator role password',
        usedBy: 'one-shot migration job only',
        storedIn: 'secret file mounted only into the migration job',
        rotation: 'every 90 days',
        rotateNowIf: 'the migration job or CI was compromised',
      },
      {
        name: 'PostgreSQL superuser password',
        usedBy: 'database bootstrap and break-glass administration',
        storedIn: 'secret file read through POSTGRES_PASSWORD_FILE',
        rotation: 'every 180 days and after each break-glass use',
        rotateNowIf: 'anyone left the on-call rotation or it was used outside an incident',
      },
      {
        name: 'PostgreSQL TLS server key',
        usedBy: 'database server',
        storedIn: 'secret file mounted read-only into the database container',
        rotation: 'with its certificate, before expiry',
        rotateNowIf: 'the host or a backup of it was compromised',
      },
    );
  }
  if (has.web) {
    secrets.push(
      {
        name: 'Web session secret',
        usedBy: 'Next.js server (encrypts the session cookie)',
        storedIn: 'secret file, read only by the server-only data layer',
        rotation: 'every 90 days (all users sign in again)',
        rotateNowIf: 'session forgery is suspected',
      },
      {
        name: 'OIDC client secret (if the web client is confidential)',
        usedBy: 'Next.js server, token exchange',
        storedIn: 'secret file, read only by the server-only data layer',
        rotation: 'every 180 days',
        rotateNowIf: 'it appeared anywhere outside the secret store',
      },
      {
        name: 'NEXT_SERVER_ACTIONS_ENCRYPTION_KEY',
        usedBy: 'every Next.js server instance (same key on all)',
        storedIn: 'secret store, injected at build and run time',
        rotation: 'every 180 days, with a coordinated redeploy',
        rotateNowIf: 'it leaked or an instance was compromised',
      },
    );
  }
  if (has.ci) {
    secrets.push({
      name: 'Cloud deploy credentials',
      usedBy: 'deploy job',
      storedIn: 'none: short-lived OIDC tokens, trust pinned to this repository and environment',
      rotation: 'not applicable (tokens live minutes)',
      rotateNowIf: 'narrow or remove the OIDC trust if the repository was compromised',
    });
  }
  return secrets;
}
