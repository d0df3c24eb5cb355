/**
 * The threat model of ../shared/CONTROLS.md §1 as data: assets, trust boundaries TM-B1..TM-B7 and
 * STRIDE threats per boundary, each threat mapped to the catalog controls that answer it.
 *
 * Scope rule (`requires`): a boundary is in scope when ALL its required layers are chosen. The rules are
 * picked so that, for any subset of layers, every chosen control is cited by an in-scope boundary:
 * - TM-B2 and TM-B4 need only 'api': the API faces its clients (our Next.js server or any other) and its IdP
 *   whether or not the web layer is generated.
 * - TM-B3 needs only 'db': whatever application connects, the database side of the boundary (roles, RLS,
 *   TLS, network) is ours to secure.
 * - TM-B7 needs nothing: every deployment produces logs and has an operations side.
 * Threats may cite controls of layers that are not chosen (e.g. TM-B3 cites API-15); a consumer that
 * renders a threat model for a subset treats those as out of scope or residual risk.
 */
import type { LayerId } from './catalog.js';

export type StrideCategory = 'S' | 'T' | 'R' | 'I' | 'D' | 'E';

/** Display names of the STRIDE letters. */
export const STRIDE_CATEGORY_NAMES: Readonly<Record<StrideCategory, string>> = Object.freeze({
  S: 'Spoofing',
  T: 'Tampering',
  R: 'Repudiation',
  I: 'Information disclosure',
  D: 'Denial of service',
  E: 'Elevation of privilege',
});

export interface StrideThreat {
  category: StrideCategory;
  threat: string;
  /** IDs of catalog controls that mitigate the threat. */
  controls: string[];
}

/** Node names for a data-flow diagram. */
export type DataFlowNode =
  | 'Browser'
  | 'Next.js server'
  | 'FastAPI'
  | 'PostgreSQL'
  | 'Identity provider'
  | 'Container host'
  | 'CI / registry / cloud'
  | 'Logs & monitoring';

/** Every data-flow node name, in diagram order. */
export const DATA_FLOW_NODES: readonly DataFlowNode[] = [
  'Browser',
  'Next.js server',
  'FastAPI',
  'PostgreSQL',
  'Identity provider',
  'Container host',
  'CI / registry / cloud',
  'Logs & monitoring',
];

export interface TrustBoundary {
  /** 'TM-B1' … 'TM-B7' */
  id: string;
  name: string;
  /** A DataFlowNode name. */
  from: string;
  /** A DataFlowNode name. */
  to: string;
  /** In scope only when ALL these layers are chosen; empty = always. */
  requires: LayerId[];
  stride: StrideThreat[];
}

export interface Asset {
  name: string;
  /** Relevant when ANY of these layers is chosen; empty = always. */
  layers: LayerId[];
  /** Why it matters: what an attacker gains with it. One plain sentence. */
  why: string;
}

/** Assets of CONTROLS.md §1 with the layers that make each relevant (ANY of them; empty = always). */
export const ASSETS: readonly Asset[] = Object.freeze([
  {
    name: 'IdP sessions',
    layers: ['web'],
    why: 'A stolen login session lets an attacker act as the user in every application that trusts the identity provider.',
  },
  {
    name: 'Access tokens',
    layers: ['api', 'web'],
    why: 'A bearer access token grants its scopes on the API to whoever holds it until it expires.',
  },
  {
    name: 'JWKS / signing keys',
    layers: ['api'],
    why: 'Whoever controls the keys the API trusts can mint valid tokens for any user, scope or tenant.',
  },
  {
    name: 'Tenant rows / PII',
    layers: [],
    why: 'The data users entrust to the system; its disclosure or cross-tenant exposure is the breach that matters most.',
  },
  {
    name: 'Database credentials',
    layers: ['db'],
    why: 'They open the database directly, around every check the application performs.',
  },
  {
    name: 'NEXT_SERVER_ACTIONS_ENCRYPTION_KEY',
    layers: ['web'],
    why: 'It protects Server Action IDs and closed-over values; leaked, it exposes them, and mismatched across instances it breaks actions.',
  },
  {
    name: 'Cloud roles (OIDC trust)',
    layers: ['ci'],
    why: 'A workflow that can assume the deploy role can change production.',
  },
  {
    name: 'Images and provenance',
    layers: ['containers'],
    why: 'A tampered image or forged provenance runs attacker code in production under a trusted name.',
  },
  {
    name: 'Audit logs',
    layers: [],
    why: 'They are the evidence to detect, investigate and prove what happened; tampering or gaps hide an intrusion.',
  },
]);

export const TRUST_BOUNDARIES: readonly TrustBoundary[] = Object.freeze([
  {
    id: 'TM-B1',
    name: 'Browser ↔ Next.js server',
    from: 'Browser',
    to: 'Next.js server',
    requires: ['web'],
    stride: [
      {
        category: 'S',
        threat: 'Session theft through XSS or CSRF lets an attacker act as the user.',
        controls: ['WEB-04', 'WEB-08', 'WEB-10', 'WEB-11', 'WEB-12'],
      },
      {
        category: 'T',
        threat: 'Forged or cross-site POSTs call Server Actions or route handlers directly with tampered input.',
        controls: ['WEB-07', 'WEB-08', 'WEB-10'],
      },
      {
        category: 'I',
        threat: 'Secrets or over-fetched data leak through NEXT_PUBLIC_ variables, RSC props or the client bundle.',
        controls: ['WEB-01', 'WEB-02', 'WEB-03', 'WEB-14'],
      },
      {
        category: 'I',
        threat: "Cached pages or responses serve one user's data to another (data cache, ISR, CDN).",
        controls: ['WEB-13'],
      },
      {
        category: 'I',
        threat: 'A leaked or ad-hoc Server Actions encryption key exposes closed-over values and breaks across instances.',
        controls: ['WEB-09'],
      },
      {
        category: 'I',
        threat: 'Missing security headers allow fingerprinting, referrer leaks and cross-origin attacks.',
        controls: ['WEB-06', 'WEB-04'],
      },
      {
        category: 'D',
        threat: 'Oversized request bodies exhaust the Next.js server.',
        controls: ['WEB-08'],
      },
      {
        category: 'E',
        threat: 'IDOR through [param] or searchParams, or authorization done only in the proxy and bypassed.',
        controls: ['WEB-05', 'WEB-07', 'WEB-02'],
      },
      {
        category: 'E',
        threat: 'A known framework vulnerability (RSC remote code execution, middleware bypass) is exploited.',
        controls: ['WEB-15'],
      },
    ],
  },
  {
    id: 'TM-B2',
    name: 'Next.js server ↔ FastAPI',
    from: 'Next.js server',
    to: 'FastAPI',
    requires: ['api'],
    stride: [
      {
        category: 'S',
        threat: 'A forged or replayed token is accepted: alg confusion, wrong audience, expired or an ID token.',
        controls: ['API-01', 'API-03', 'API-04'],
      },
      {
        category: 'T',
        threat: 'Host-header injection poisons generated links or routing.',
        controls: ['API-08'],
      },
      {
        category: 'T',
        threat: 'Mass assignment or SQL injection through request bodies and parameters.',
        controls: ['API-15'],
      },
      {
        category: 'I',
        threat: 'Error bodies, debug pages or the OpenAPI docs disclose internals.',
        controls: ['API-11', 'API-12'],
      },
      {
        category: 'I',
        threat: 'Credentialed cross-origin reads, MIME sniffing or cached authenticated responses leak data.',
        controls: ['API-07', 'API-09'],
      },
      {
        category: 'D',
        threat: 'Large bodies or request floods exhaust the API.',
        controls: ['API-10', 'API-13'],
      },
      {
        category: 'E',
        threat: 'A route lacks a scope check, or the tenant comes from client input instead of verified claims.',
        controls: ['API-05', 'API-06'],
      },
    ],
  },
  {
    id: 'TM-B3',
    name: 'FastAPI ↔ PostgreSQL',
    from: 'FastAPI',
    to: 'PostgreSQL',
    requires: ['db'],
    stride: [
      {
        category: 'I',
        threat: 'Cross-tenant reads: tenant context leaking across pooled connections, or the app role bypassing RLS as owner.',
        controls: ['DB-01', 'DB-03', 'DB-04', 'DB-05', 'API-06'],
      },
      {
        category: 'I',
        threat: 'Database traffic and credentials are sniffed or intercepted in transit.',
        controls: ['DB-09', 'DB-08'],
      },
      {
        category: 'S',
        threat: 'Stolen, default or cracked credentials, or unauthenticated connections, reach the database.',
        controls: ['DB-07', 'DB-08', 'DB-14', 'DB-13'],
      },
      {
        category: 'T',
        threat: 'SQL injection or cross-tenant writes modify rows of another tenant.',
        controls: ['API-15', 'DB-03', 'DB-04'],
      },
      {
        category: 'E',
        threat: 'SECURITY DEFINER functions or the public schema are hijacked through search_path.',
        controls: ['DB-06', 'DB-02'],
      },
      {
        category: 'E',
        threat: 'A compromised application role runs DDL and drops RLS policies.',
        controls: ['DB-15', 'DB-01'],
      },
      {
        category: 'R',
        threat: 'Connections, schema and privilege changes leave no audit trail.',
        controls: ['DB-11', 'DB-12'],
      },
      {
        category: 'D',
        threat: 'Runaway queries or held locks exhaust the database.',
        controls: ['DB-10'],
      },
    ],
  },
  {
    id: 'TM-B4',
    name: 'FastAPI ↔ Identity provider (JWKS)',
    from: 'FastAPI',
    to: 'Identity provider',
    requires: ['api'],
    stride: [
      {
        category: 'S',
        threat: 'Attacker-supplied keys via jku, x5u or jwk headers, or a symmetric key, validate forged tokens.',
        controls: ['API-02', 'API-01'],
      },
      {
        category: 'D',
        threat: 'A JWKS outage or unknown-kid refresh storm blocks token verification.',
        controls: ['API-02'],
      },
    ],
  },
  {
    id: 'TM-B5',
    name: 'Container ↔ host and network',
    from: 'FastAPI',
    to: 'Container host',
    requires: ['containers'],
    stride: [
      {
        category: 'E',
        threat: 'A compromised process escalates through root, capabilities, setuid binaries, privileged mode or docker.sock.',
        controls: ['CTR-01', 'CTR-09', 'CTR-10', 'CTR-11'],
      },
      {
        category: 'E',
        threat: 'A compromised container moves laterally to the database or other services.',
        controls: ['CTR-13', 'DB-13'],
      },
      {
        category: 'I',
        threat: 'Secrets are exposed in image layers, the build context or environment variables.',
        controls: ['CTR-04', 'CTR-05', 'CTR-12', 'DB-14'],
      },
      {
        category: 'T',
        threat: 'An attacker modifies the container filesystem or uses tools left in the runtime image.',
        controls: ['CTR-08', 'CTR-03'],
      },
      {
        category: 'T',
        threat: 'A drifted, tampered or unscanned image is built or deployed.',
        controls: ['CTR-02', 'CTR-06', 'CTR-15'],
      },
      {
        category: 'D',
        threat: 'One container exhausts host resources or fails silently.',
        controls: ['CTR-14', 'CTR-07'],
      },
    ],
  },
  {
    id: 'TM-B6',
    name: 'Repository / CI ↔ registry and cloud',
    from: 'CI / registry / cloud',
    to: 'Container host',
    requires: ['ci'],
    stride: [
      {
        category: 'T',
        threat: 'A poisoned or retagged third-party action, tool or dependency runs in the pipeline.',
        controls: ['CI-02', 'CI-13', 'CI-14', 'CI-16'],
      },
      {
        category: 'T',
        threat: 'A pwn-request runs pull request code with secrets or a write token.',
        controls: ['CI-04', 'CI-03'],
      },
      {
        category: 'T',
        threat: 'Script injection through untrusted event data in run: blocks or GITHUB_ENV.',
        controls: ['CI-05'],
      },
      {
        category: 'T',
        threat: 'Vulnerable code or dependencies, leaked secrets or workflow regressions are merged unnoticed.',
        controls: ['CI-09', 'CI-10', 'CI-17'],
      },
      {
        category: 'S',
        threat: 'Static cloud keys are stolen and used to impersonate the pipeline.',
        controls: ['CI-06'],
      },
      {
        category: 'I',
        threat: 'Secrets are shared with jobs that do not need them or persisted in checkouts and artifacts.',
        controls: ['CI-08', 'CI-07', 'CI-03'],
      },
      {
        category: 'E',
        threat: 'An over-privileged GITHUB_TOKEN, a direct push or an unreviewed deploy reaches production.',
        controls: ['CI-01', 'CI-07', 'CI-15'],
      },
      {
        category: 'R',
        threat: 'No provenance or SBOM ties a running image to its source and build.',
        controls: ['CI-11', 'CI-12', 'CTR-15'],
      },
    ],
  },
  {
    id: 'TM-B7',
    name: 'Logs and operations',
    from: 'FastAPI',
    to: 'Logs & monitoring',
    requires: [],
    stride: [
      {
        category: 'R',
        threat: 'Authentication and authorization failures are not recorded as structured events.',
        controls: ['OPS-01'],
      },
      {
        category: 'R',
        threat: 'Attacks, XSS attempts and external vulnerability reports are logged or sent but nobody acts on them.',
        controls: ['OPS-05', 'OPS-04', 'OPS-06', 'OPS-07'],
      },
      {
        category: 'T',
        threat: 'Log injection or tampering with stored logs hides an intrusion.',
        controls: ['API-14', 'OPS-03'],
      },
      {
        category: 'I',
        threat: 'Tokens, credentials or personal data are written to logs.',
        controls: ['API-14', 'OPS-02'],
      },
      {
        category: 'S',
        threat: 'Unrotated long-lived secrets and unpatched CVEs keep a stolen credential or foothold usable.',
        controls: ['OPS-08'],
      },
    ],
  },
] satisfies TrustBoundary[]);

/** Boundaries in scope for the chosen layers: those whose required layers are all chosen. */
export function boundariesForLayers(layers: readonly LayerId[]): TrustBoundary[] {
  const chosen = new Set<LayerId>(layers);
  return TRUST_BOUNDARIES.filter((b) => b.requires.every((l) => chosen.has(l)));
}

/** Assets relevant to the chosen layers: any listed layer chosen, or no layers listed. */
export function assetsForLayers(layers: readonly LayerId[]): Asset[] {
  const chosen = new Set<LayerId>(layers);
  return ASSETS.filter((a) => a.layers.length === 0 || a.layers.some((l) => chosen.has(l)));
}
