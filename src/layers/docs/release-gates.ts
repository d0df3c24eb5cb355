/**
 * The release checklist of docs/security/release-checklist.md: for each control of the chosen layers, which CI
 * job of the generated workflows fails the build when it is broken (a gate), and what is left to check by hand
 * before a release. Built from the catalog and the layers the project has, so it lists only jobs that exist.
 */
import type { Control } from '../../controls/catalog.js';
import type { RenderContext } from '../types.js';

export interface ReleaseGate {
  /** The job id, as the workflow names it (`api-tests`, `image-scan-api`…). */
  job: string;
  workflow: 'ci.yml' | 'codeql.yml' | 'rollback.yml';
  what: string;
}

export interface ChecklistRow {
  id: string;
  title: string;
  /** Jobs whose failure names this control: the catalog audit, a scanner citing it, a CI-specific step. */
  gates: ReleaseGate[];
  /** The job running the test suite of the layer that implements the control (it proves what its tests name). */
  layerTests: ReleaseGate | undefined;
  /** What the catalog says to verify, for controls no gate enforces. */
  manual: string | undefined;
}

/**
 * Controls `secure-stack check` has a check for (src/check/registry.ts). Kept here rather than imported, since
 * the check families load their parsers (wasm included) and rendering a project must not wait on them; the docs
 * layer's tests assert this set equals the registry's, so the checklist neither claims a missing gate nor misses one.
 */
export const CONTROLS_WITH_CHECKS: ReadonlySet<string> = new Set([
  'API-01', 'API-02', 'API-03', 'API-05', 'API-07', 'API-08', 'API-10', 'API-11', 'API-12', 'API-15',
  'WEB-01', 'WEB-02', 'WEB-03', 'WEB-04', 'WEB-05', 'WEB-06', 'WEB-07', 'WEB-08', 'WEB-10', 'WEB-11', 'WEB-13',
  'DB-02', 'DB-03', 'DB-04', 'DB-05', 'DB-06', 'DB-07', 'DB-08',
  'CTR-01', 'CTR-02', 'CTR-03', 'CTR-04', 'CTR-05', 'CTR-06', 'CTR-07', 'CTR-08', 'CTR-09', 'CTR-10', 'CTR-11', 'CTR-12', 'CTR-13',
  'CI-01', 'CI-02', 'CI-03', 'CI-04', 'CI-05', 'CI-06', 'CI-07', 'CI-08', 'CI-09', 'CI-10', 'CI-11', 'CI-12', 'CI-13', 'CI-14', 'CI-15', 'CI-16', 'CI-17',
  'OPS-07',
]);

/** The gates of the generated workflows and the controls each enforces, for this project's layers. */
function gatesOf(context: RenderContext): Array<{ gate: ReleaseGate; enforces: (control: Control) => boolean }> {
  const { has } = context;
  if (!has.ci) return [];
  const images = has.containers ? (['api', 'web'] as const).filter((name) => has[name]) : [];
  const deploys = images.length > 0 && context.answers.cloud !== 'none';
  const zizmorOrHadolint = (control: Control) => control.references.some((ref) => ref.kind === 'zizmor' || (ref.kind === 'hadolint' && images.length > 0));
  const gates: Array<{ gate: ReleaseGate; enforces: (control: Control) => boolean }> = [];
  const add = (job: string, workflow: ReleaseGate['workflow'], what: string, enforces: (control: Control) => boolean) => gates.push({ gate: { job, workflow, what }, enforces });

  add('secure-stack-check', 'ci.yml', 'the catalog audit of the repository (fails on high)', (c) => CONTROLS_WITH_CHECKS.has(c.id));
  add('lint', 'ci.yml', `zizmor and actionlint${images.length > 0 ? ', hadolint' : ''}`, (c) => c.id === 'CI-17' || zizmorOrHadolint(c));
  add('secret-scan', 'ci.yml', 'gitleaks over the pushed commits', (c) => c.id === 'CI-10');
  add('dependency-review', 'ci.yml', 'new dependencies with high or critical vulnerabilities', (c) => c.id === 'CI-10');
  add('analyze', 'codeql.yml', 'CodeQL for the chosen languages and the workflows', (c) => c.id === 'CI-09');
  for (const name of images) {
    add(`image-scan-${name}`, 'ci.yml', `Trivy on the ${name} image (fixed HIGH, CRITICAL)`, (c) => c.id === 'CI-10');
    add(`publish-${name}`, 'ci.yml', `push by digest, SBOM and provenance attestation of the ${name} image`, (c) => ['CI-11', 'CI-12', 'CTR-15'].includes(c.id));
  }
  if (deploys) {
    const deployControls = ['CI-06', 'CI-07', 'CI-12', 'CTR-15'];
    add('deploy', 'ci.yml', 'verify the attestations, then OIDC deploy by digest in the production environment', (c) => deployControls.includes(c.id));
    add('rollback', 'rollback.yml', 'the same verification and deploy, for an earlier digest', (c) => deployControls.includes(c.id));
  }
  return gates;
}

/** The jobs running each layer's own test suite, by the layer they test. */
function layerTestJobs({ has }: RenderContext): Partial<Record<Control['layer'], ReleaseGate>> {
  if (!has.ci) return {};
  return {
    ...(has.api ? { api: { job: 'api-tests', workflow: 'ci.yml', what: "the api's attack suite (pytest)" } as const } : {}),
    ...(has.web ? { web: { job: 'web-build', workflow: 'ci.yml', what: "the web app's build and tests" } as const } : {}),
    ...(has.db ? { db: { job: 'db-policy', workflow: 'ci.yml', what: 'the policy tests on a throwaway PostgreSQL over TLS' } as const } : {}),
  };
}

/** One row per chosen control, in catalog order. */
export function releaseChecklist(context: RenderContext): { rows: ChecklistRow[]; gates: ReleaseGate[]; deployNeeds: string[]; deploys: boolean } {
  const suites = layerTestJobs(context);
  const gates = [
    ...Object.values(suites).map((gate) => ({ gate, enforces: () => false })),
    ...gatesOf(context),
  ];
  const rows = context.catalog.controls.map((control) => {
    const enforcing = gates.filter((entry) => entry.enforces(control)).map((entry) => entry.gate);
    const layerTests = suites[control.layer];
    return { id: control.id, title: control.title, gates: enforcing, layerTests, manual: enforcing.length === 0 ? control.verify : undefined };
  });
  // What the deploy job waits on (ci.yml's `needs:`): every gate of ci.yml that runs on main before it.
  const deployNeeds = gates
    .map((entry) => entry.gate)
    .filter((gate) => gate.workflow === 'ci.yml' && !['deploy', 'rollback', 'lint', 'secret-scan', 'dependency-review'].includes(gate.job))
    .map((gate) => gate.job);
  return { rows, gates: gates.map((entry) => entry.gate), deployNeeds, deploys: gates.some((entry) => entry.gate.job === 'deploy') };
}
