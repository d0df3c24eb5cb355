/**
 * Structural checks of the generated .github/ files, each named after the control it proves. Every check returns
 * the violations it finds, so a test can both assert "none" on the generated files and assert that removing a
 * control from them (a mutation) is caught.
 */
import { parse } from 'yaml';

export type Rule =
  | 'CI-01 top-level permissions {}'
  | 'CI-01 job permissions'
  | 'CI-02 pinned uses'
  | 'CI-03 persist-credentials'
  | 'CI-04 dangerous trigger'
  | 'CI-05 expression in run'
  | 'CI-06 id-token only in deploy or attestation'
  | 'CI-07 deploy environment'
  | 'CI-08 secrets inherit'
  | 'CI-14 harden-runner first'
  | 'CI-16 lockfile install';

export interface Violation {
  rule: Rule;
  where: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The least each kind of job needs; a job may not ask for more than its kind allows. */
const ALLOWED: Record<string, Record<string, 'read' | 'write'>> = {
  default: { contents: 'read' },
  scanning: { contents: 'read', 'security-events': 'write' },
  publish: { contents: 'read', packages: 'write', 'id-token': 'write', attestations: 'write' },
  deploy: { contents: 'read', packages: 'read', attestations: 'read', 'id-token': 'write' },
};

const USES_LINE = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/;
const PINNED = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*@[0-9a-f]{40}$/;
const INJECTION = /\$\{\{[^}]*\b(?:github\.event\b|github\.head_ref\b|inputs\.)/;
const ATTEST = /^actions\/attest(?:-build-provenance)?@/;

function jobKind(job: Json): keyof typeof ALLOWED {
  const steps = Array.isArray(job.steps) ? (job.steps as Json[]) : [];
  const uses = steps.map((step) => String(step.uses ?? ''));
  if (job.environment !== undefined) return 'deploy';
  if (uses.some((ref) => ATTEST.test(ref))) return 'publish';
  if (uses.some((ref) => /^(github\/codeql-action\/|zizmorcore\/zizmor-action@)/.test(ref))) return 'scanning';
  return 'default';
}

/** Every violation in one workflow's text. */
export function workflowViolations(text: string, file: string): Violation[] {
  const out: Violation[] = [];
  const doc = parse(text) as Json;
  if (!isObject(doc.permissions) || Object.keys(doc.permissions).length !== 0) {
    out.push({ rule: 'CI-01 top-level permissions {}', where: file });
  }
  const on = doc.on;
  const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : isObject(on) ? Object.keys(on) : [];
  for (const trigger of triggers) {
    if (trigger === 'pull_request_target' || trigger === 'workflow_run') out.push({ rule: 'CI-04 dangerous trigger', where: `${file}: on.${trigger}` });
  }
  if (/secrets:\s*inherit|toJSON\(\s*secrets\s*\)/.test(text)) out.push({ rule: 'CI-08 secrets inherit', where: file });

  // CI-02 on the text: the parsed value loses the version comment.
  for (const [index, line] of text.split('\n').entries()) {
    const match = USES_LINE.exec(line);
    if (match === null) continue;
    const [, ref = '', rest = ''] = match;
    if (ref.startsWith('./')) continue;
    if (!PINNED.test(ref) || !/^\s+# v\d+\.\d+\.\d+\s*$/.test(rest)) out.push({ rule: 'CI-02 pinned uses', where: `${file}:${index + 1}: ${line.trim()}` });
  }

  const jobs = isObject(doc.jobs) ? doc.jobs : {};
  for (const [id, value] of Object.entries(jobs)) {
    if (!isObject(value)) continue;
    const job = value;
    const where = `${file}: jobs.${id}`;
    const kind = jobKind(job);
    const permissions = job.permissions;
    if (!isObject(permissions)) {
      out.push({ rule: 'CI-01 job permissions', where: `${where} has no permissions block` });
    } else {
      const allowed = ALLOWED[kind]!;
      for (const [scope, level] of Object.entries(permissions)) {
        if (level === 'none') continue;
        const max = allowed[scope];
        if (max === undefined || (level === 'write' && max === 'read')) {
          out.push({ rule: 'CI-01 job permissions', where: `${where}: ${scope}: ${String(level)} (a ${kind} job)` });
        }
      }
    }
    if (isObject(permissions) && permissions['id-token'] === 'write' && kind !== 'deploy' && kind !== 'publish') {
      out.push({ rule: 'CI-06 id-token only in deploy or attestation', where });
    }
    if (isObject(permissions) && permissions['id-token'] === 'write' && kind === 'deploy' && job.environment !== 'production') {
      out.push({ rule: 'CI-07 deploy environment', where });
    }
    const steps = Array.isArray(job.steps) ? (job.steps as Json[]) : [];
    const usesCloudLogin = steps.some((step) => /^(aws-actions\/configure-aws-credentials|google-github-actions\/auth|azure\/login)@/i.test(String(step.uses ?? '')));
    if (usesCloudLogin && (job.environment !== 'production' || !isObject(permissions) || permissions['id-token'] !== 'write')) {
      out.push({ rule: 'CI-07 deploy environment', where: `${where}: cloud login outside the production environment` });
    }
    if (!/^step-security\/harden-runner@/.test(String(steps[0]?.uses ?? ''))) out.push({ rule: 'CI-14 harden-runner first', where });
    for (const [index, step] of steps.entries()) {
      const uses = String(step.uses ?? '');
      if (/^actions\/checkout@/.test(uses)) {
        const persist = isObject(step.with) ? step.with['persist-credentials'] : undefined;
        if (persist !== false) out.push({ rule: 'CI-03 persist-credentials', where: `${where}.steps[${index}]` });
      }
      if (typeof step.run === 'string') {
        if (INJECTION.test(step.run)) out.push({ rule: 'CI-05 expression in run', where: `${where}.steps[${index}]` });
        if (/\bnpm (?:install|i)\b|\bpip install (?!--disable-pip-version-check -e '\.\[test\]')|\bcurl\b[^|]*\|\s*(?:ba)?sh/.test(step.run)) {
          out.push({ rule: 'CI-16 lockfile install', where: `${where}.steps[${index}]` });
        }
      }
    }
  }
  return out;
}

/** The `run:` scripts of a workflow with the shell they run in (bash on ubuntu runners), for shellcheck. */
export function runScripts(text: string): Array<{ where: string; script: string }> {
  const doc = parse(text) as Json;
  const out: Array<{ where: string; script: string }> = [];
  const jobs = isObject(doc.jobs) ? doc.jobs : {};
  for (const [id, job] of Object.entries(jobs)) {
    if (!isObject(job) || !Array.isArray(job.steps)) continue;
    for (const [index, step] of (job.steps as Json[]).entries()) {
      if (typeof step.run !== 'string') continue;
      // As actionlint does: an expression becomes underscores of the same length, so shellcheck sees a word.
      out.push({ where: `jobs.${id}.steps[${index}]`, script: step.run.replace(/\$\{\{.*?\}\}/g, (m) => '_'.repeat(m.length)) });
    }
  }
  return out;
}

export const GATE_JOB = 'secure-stack-check';
const UPLOAD_SARIF = /^github\/codeql-action\/upload-sarif@/;

/** Shell words of a one-line command (double- and single-quoted words kept whole), enough for the gate's line. */
function shellWords(command: string): string[] {
  return (command.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((word) => word.replace(/^(["'])(.*)\1$/, '$2'));
}

/**
 * The `secure-stack check` gate of ci.yml: one job that runs exactly `packageSpec` with npx (lifecycle scripts
 * off) on the repository with `--format sarif --fail-on high` into a file, without swallowing its exit status,
 * uploads that file to code scanning even when the check failed, holds only `contents: read` and
 * `security-events: write`, runs on every event, and gates publication and the deploy. Returns what is wrong.
 */
export function gateViolations(text: string, packageSpec: string): string[] {
  const doc = parse(text) as Json;
  const jobs = isObject(doc.jobs) ? doc.jobs : {};
  const job = jobs[GATE_JOB];
  if (!isObject(job)) return [`no ${GATE_JOB} job`];
  const out: string[] = [];
  if (job.if !== undefined) out.push(`${GATE_JOB} runs only if ${String(job.if)}`);
  if (job['continue-on-error'] !== undefined) out.push(`${GATE_JOB} has continue-on-error`);
  const permissions = isObject(job.permissions) ? job.permissions : {};
  if (JSON.stringify(Object.entries(permissions).sort()) !== JSON.stringify([['contents', 'read'], ['security-events', 'write']])) {
    out.push(`${GATE_JOB} permissions are ${JSON.stringify(permissions)}, not contents: read and security-events: write`);
  }
  const steps = Array.isArray(job.steps) ? (job.steps as Json[]) : [];
  const checkIndex = steps.findIndex((step) => typeof step.run === 'string' && /\bsecure-stack check\b/.test(step.run) && /--format sarif/.test(step.run));
  if (checkIndex === -1) return [...out, `${GATE_JOB} has no step running secure-stack check --format sarif`];
  const check = steps[checkIndex]!;
  const env = isObject(check.env) ? check.env : {};
  if (check.if !== undefined) out.push(`the check step runs only if ${String(check.if)}`);
  if (check['continue-on-error'] !== undefined) out.push('the check step has continue-on-error');
  if (env.npm_config_ignore_scripts !== 'true') out.push('npm lifecycle scripts are not off for npx');
  const run = String(check.run).trim();
  if (run.includes('\n') || /\|\||;|&(?!&)|\bset \+e\b/.test(run)) out.push(`the check's exit status can be lost: ${run}`);
  const words = shellWords(run);
  const expected = ['npx', '--yes', '--package', '$SECURE_STACK_PACKAGE', '--', 'secure-stack', 'check', '.', '--format', 'sarif', '--fail-on', 'high', '>'];
  if (JSON.stringify(words.slice(0, expected.length)) !== JSON.stringify(expected) || words.length !== expected.length + 1) {
    out.push(`the check command is not the pinned gate: ${run}`);
  }
  if (env.SECURE_STACK_PACKAGE !== packageSpec) out.push(`the check runs ${String(env.SECURE_STACK_PACKAGE)}, not ${packageSpec}`);
  const sarifFile = words.at(-1);
  const upload = steps.slice(checkIndex + 1).find((step) => UPLOAD_SARIF.test(String(step.uses ?? '')));
  if (upload === undefined) out.push('no upload-sarif step after the check');
  else {
    if (upload.if !== 'always()') out.push(`the SARIF upload runs if ${String(upload.if ?? 'the check passed')}, not always()`);
    const input = isObject(upload.with) ? upload.with : {};
    if (input.sarif_file !== sarifFile) out.push(`the upload sends ${String(input.sarif_file)}, not the check's ${String(sarifFile)}`);
  }
  for (const [id, other] of Object.entries(jobs)) {
    if (!isObject(other) || !(id === 'deploy' || id.startsWith('publish-'))) continue;
    const needs = typeof other.needs === 'string' ? [other.needs] : Array.isArray(other.needs) ? other.needs.map(String) : [];
    if (!needs.includes(GATE_JOB)) out.push(`${id} does not need ${GATE_JOB}`);
  }
  return out;
}
