/**
 * GitHub Actions workflows (`.github/workflows/*.yml|yaml`), parsed with `yaml` and located with its
 * LineCounter; `run:` scripts are parsed into commands (../shell.ts). Nothing in a workflow is ever run.
 * A `run:` script line the shell parser rejects is left out of the checks, with a note (not for pwsh/cmd scripts,
 * whose other syntax is expected).
 *
 * Per workflow: CI-01 … CI-08, CI-14, CI-16, and the verify-before-deploy half of CI-12.
 * Per repository, in finish(): CI-09, CI-10, CI-11, CI-12 (attestation), CI-17. These ask whether some
 * workflow of the repository does something (CodeQL, dependency review, a scan gate, an SBOM…), so they only
 * apply to a repository that has workflows: a repository without .github/workflows has no CI to gate, and
 * nothing is reported for it. "Repository" means the directory holding `.github/workflows/` (usually the root;
 * a nested `services/x/.github/workflows/` makes `services/x/` one too, with the files under it). A finding
 * about something missing points at line 1 of the repository's first workflow file (in path order).
 *
 * Not visible in files, so not checked here: CodeQL "default setup" (enabled in the settings, no workflow: a
 * repository using it gets a CI-09 finding to suppress with that reason), GitHub push protection, what a
 * called reusable workflow from another repository does, and how often CI-17's Scorecard run is scheduled.
 */
import { isMap, isScalar, isSeq, visit } from 'yaml';
import type { Location } from '../finding.js';
import type { CheckFamily, CheckSpec, Emitter, RepositoryView, SourceFile } from '../registry.js';
import type { ShellCommand, ShellWord } from '../shell.js';
import { at, deref, nodeAt, pairOf, parseYamlMapping, text, valueOf } from '../yaml-nodes.js';
import { isComposePath, isDockerfilePath } from './dockerfiles-compose.js';
import {
  actionName,
  basename,
  commandLocation,
  continuesOnError,
  environmentOf,
  expressionsIn,
  hasOption,
  inputOf,
  invocationOf,
  isAction,
  jobsOf,
  needsOf,
  optionValue,
  pipelineOf,
  positionals,
  resolvedText,
  runScriptsOf,
  sourceOf,
  stepsOf,
  stepsOfJob,
  triggersOf,
  wordLocation,
  type Invocation,
  type Job,
  type RunScript,
  type Step,
  type Workflow,
} from './workflow-model.js';

const WORKFLOW_PATH = /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/;
const FULL_SHA = /^[0-9a-f]{40}$/;
const IMAGE_DIGEST = /@sha256:[0-9a-f]{64}$/;

type Report = (location: Location, message: string) => void;

interface WorkflowCheck extends CheckSpec {
  /** Evaluates the control on one workflow. */
  run?(workflow: Workflow, report: Report): void;
  /** Evaluates the control on a repository with workflows, from what every workflow was seen to do. */
  finishRepository?(repository: RepositoryScope, report: Report): void;
}

// ---- What a workflow does, for the repository-level checks ---------------------------------------

type ScanTarget = 'image' | 'config' | 'other';

interface WorkflowFacts {
  /** CodeQL init steps: the languages they analyse (undefined: detected automatically or not known here). */
  codeql: Array<{ languages: string[] | undefined; location: Location }>;
  /** Dependency review steps, and what makes one not fail on a high-severity vulnerability. */
  dependencyReviews: Array<{ weakness: { location: Location; message: string } | undefined }>;
  secretScan: boolean;
  trivy: Array<{ target: ScanTarget; gate: boolean; location: Location; why: string }>;
  sbom: boolean;
  pushes: Array<{ location: Location; what: string }>;
  attests: boolean;
  /** Linters that run as a gate: zizmor, actionlint, hadolint. */
  linters: Set<string>;
}

const FACTS = new WeakMap<SourceFile, WorkflowFacts>();

const ATTESTATION_ACTIONS = new Set(['actions/attest-build-provenance', 'actions/attest']);
const SLSA_GENERATOR = 'slsa-framework/slsa-github-generator/';
const LINTER_ACTIONS: Record<string, string> = {
  'zizmorcore/zizmor-action': 'zizmor',
  'woodruffw/zizmor-action': 'zizmor',
  'rhysd/actionlint': 'actionlint',
  'raven-actions/actionlint': 'actionlint',
  'reviewdog/action-actionlint': 'actionlint',
  'devops-actions/actionlint': 'actionlint',
  'hadolint/hadolint-action': 'hadolint',
  'jbergstroem/hadolint-gh-action': 'hadolint',
  'reviewdog/action-hadolint': 'hadolint',
  'ossf/scorecard-action': 'scorecard',
};
const SECRET_SCANNERS = new Set(['gitleaks', 'trufflehog']);
const SBOM_TOOLS = new Set(['syft', 'cdxgen', 'cyclonedx-py', 'cyclonedx-npm', 'cyclonedx-bom']);
const SBOM_FORMATS = new Set(['spdx', 'spdx-json', 'cyclonedx', 'cyclonedx-json']);
/** Images of tools run with `docker run` or as `docker://` steps, by their last path segment. */
const TOOL_IMAGES = new Set(['zizmor', 'actionlint', 'hadolint', 'gitleaks', 'trufflehog', 'syft']);

function isTruthy(node: unknown): boolean {
  const value = text(node);
  // An expression (`push: ${{ github.event_name != 'pull_request' }}`) pushes on some events.
  return value !== undefined && (value.trim() === 'true' || value.includes('${{'));
}

/** The image name of a `docker://` reference or a `docker run` argument, without registry path, tag and digest. */
function imageTool(reference: string): string {
  const name = reference.replace(/^docker:\/\//, '').replace(/@.*$/, '');
  return basename(name).replace(/:.*$/, '').toLowerCase();
}

function severityCoversHigh(severity: string | undefined): boolean {
  if (severity === undefined || severity.includes('${{')) return true;
  const levels = severity.toUpperCase().split(/[\s,]+/);
  return levels.includes('HIGH') && levels.includes('CRITICAL');
}

function exitCodeFails(exitCode: string | undefined): boolean {
  if (exitCode === undefined) return false;
  if (exitCode.includes('${{')) return true;
  const code = Number(exitCode.trim());
  return Number.isInteger(code) && code !== 0;
}

function trivyTarget(scanType: string, scanners: string | undefined): ScanTarget {
  const type = scanType.trim().toLowerCase();
  if (type === 'image' || type === 'i') return 'image';
  if (type === 'config' || type === 'conf') return 'config';
  if (['fs', 'filesystem', 'repo', 'repository', 'rootfs'].includes(type) && scanners !== undefined && /\b(misconfig|config)\b/i.test(scanners)) return 'config';
  return 'other';
}

function trivyWhy(gate: boolean, exitCode: string | undefined, severity: string | undefined, continues: boolean): string {
  if (gate) return '';
  if (continues) return 'continue-on-error: true';
  if (!exitCodeFails(exitCode)) return `exit-code ${exitCode === undefined ? 'not set (0)' : exitCode.trim()}`;
  return `severity ${severity ?? ''} leaves out HIGH or CRITICAL`;
}

const CODEQL_LANGUAGES: Record<string, string> = {
  javascript: 'javascript-typescript',
  typescript: 'javascript-typescript',
  'javascript-typescript': 'javascript-typescript',
  python: 'python',
  actions: 'actions',
};

/** The languages of a CodeQL init step, resolving `${{ matrix.x }}` from the job's matrix. */
function codeqlLanguages(workflow: Workflow, step: Step): { languages: string[] | undefined; node: unknown } {
  const input = inputOf(workflow, step, 'languages');
  if (input?.value === undefined) return { languages: undefined, node: step.uses?.node };
  const value = input.value.trim();
  const split = (list: string) => list.split(/[\s,]+/).filter(Boolean).map((language) => CODEQL_LANGUAGES[language.toLowerCase()] ?? language.toLowerCase());
  const matrixKey = /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(value)?.[1];
  if (matrixKey !== undefined) {
    const matrix = valueOf(workflow, valueOf(workflow, step.job.node, 'strategy'), 'matrix');
    const listed = valueOf(workflow, matrix, matrixKey);
    const values: string[] = [];
    if (isSeq(listed)) for (const item of listed.items) values.push(text(deref(workflow, item)) ?? '');
    else if (text(listed) !== undefined) values.push(text(listed)!);
    const include = valueOf(workflow, matrix, 'include');
    if (isSeq(include)) for (const item of include.items) values.push(text(valueOf(workflow, deref(workflow, item), matrixKey)) ?? '');
    const known = values.filter((language) => language !== '' && !language.includes('${{'));
    if (known.length === 0 || known.length !== values.filter(Boolean).length) return { languages: undefined, node: input.node };
    return { languages: split(known.join(',')), node: listed ?? input.node };
  }
  if (value.includes('${{')) return { languages: undefined, node: input.node };
  return { languages: split(value), node: input.node };
}

function dependencyReviewWeakness(workflow: Workflow, step: Step): { location: Location; message: string } | undefined {
  if (continuesOnError(workflow, step.node)) {
    return { location: nodeAt(workflow, valueOf(workflow, step.node, 'continue-on-error')), message: 'the dependency review step has continue-on-error: true, so it never blocks a pull request' };
  }
  const warnOnly = inputOf(workflow, step, 'warn-only');
  if (warnOnly?.value?.trim() === 'true') {
    return { location: nodeAt(workflow, warnOnly.node), message: 'dependency review runs with warn-only: true, so it never blocks a pull request' };
  }
  const severity = inputOf(workflow, step, 'fail-on-severity');
  if (severity?.value?.trim().toLowerCase() === 'critical') {
    return { location: nodeAt(workflow, severity.node), message: 'dependency review fails only on critical vulnerabilities: a pull request adding a dependency with a high-severity one passes' };
  }
  return undefined;
}

/** Tools a command runs: its program, a `go run|install` module, an npx/uvx/pipx package, a `docker run` image. */
function toolsRun(invocation: Invocation, env: ReadonlyMap<string, string>): string[] {
  const tools = [invocation.program.toLowerCase()];
  const args = positionals(invocation.args).map((word) => resolvedText(word, env));
  const packageName = (spec: string | undefined) => (spec === undefined ? undefined : basename(spec.replace(/(?!^)@.*$/, '').replace(/==.*$/, '')).toLowerCase());
  if (invocation.program === 'go' && (args[0] === 'run' || args[0] === 'install')) tools.push(packageName(args[1]) ?? '');
  if (['npx', 'bunx', 'pnpx', 'uvx'].includes(invocation.program)) tools.push(packageName(args[0]) ?? '');
  if (invocation.program === 'pipx' && args[0] === 'run') tools.push(packageName(args[1]) ?? '');
  if (invocation.program === 'uv' && args[0] === 'tool' && args[1] === 'run') tools.push(packageName(args[2]) ?? '');
  if (invocation.program === 'docker' && args[0] === 'run') tools.push(...args.slice(1).map(imageTool).filter((tool) => TOOL_IMAGES.has(tool)));
  return tools.filter(Boolean);
}

function trivyCommand(invocation: Invocation): { target: ScanTarget; gate: boolean; why: string; sbom: boolean } {
  const args = invocation.args;
  const subcommand = positionals(args, new Set(['--exit-code', '--severity', '-s', '--scanners', '--format', '-f', '--output', '-o', '--cache-dir', '--timeout']))[0]?.text ?? '';
  const exitCode = optionValue(args, ['--exit-code'])?.text;
  const severity = optionValue(args, ['--severity', '-s'])?.text;
  const format = optionValue(args, ['--format', '-f'])?.text.toLowerCase();
  const gate = exitCodeFails(exitCode) && severityCoversHigh(severity);
  return {
    target: trivyTarget(subcommand, optionValue(args, ['--scanners'])?.text),
    gate,
    why: trivyWhy(gate, exitCode, severity, false),
    sbom: format !== undefined && SBOM_FORMATS.has(format),
  };
}

/** Whether a command pushes an image to a registry. */
function pushesImage(invocation: Invocation): boolean {
  const args = positionals(invocation.args).map((word) => word.text);
  if (['podman', 'buildah'].includes(invocation.program)) return args[0] === 'push';
  if (invocation.program !== 'docker') return false;
  if (args[0] === 'push' || (args[0] === 'image' && args[1] === 'push')) return true;
  const builds = args[0] === 'build' || (args[0] === 'buildx' && (args[1] === 'build' || args[1] === 'bake'));
  return builds && invocation.args.some((word) => word.text === '--push' || word.text === '--push=true' || /(^|,)push=true(,|$)/.test(word.text));
}

function factsOf(workflow: Workflow): WorkflowFacts {
  const facts: WorkflowFacts = { codeql: [], dependencyReviews: [], secretScan: false, trivy: [], sbom: false, pushes: [], attests: false, linters: new Set() };
  for (const job of jobsOf(workflow)) {
    const uses = text(valueOf(workflow, job.node, 'uses'));
    if (uses !== undefined && uses.toLowerCase().startsWith(SLSA_GENERATOR)) facts.attests = true;
  }
  for (const step of stepsOf(workflow)) {
    if (step.uses === undefined) continue;
    const uses = step.uses.value;
    const name = actionName(uses);
    const gating = !continuesOnError(workflow, step.node);
    if (name === 'github/codeql-action/init') {
      const { languages, node } = codeqlLanguages(workflow, step);
      facts.codeql.push({ languages, location: nodeAt(workflow, node) });
    } else if (name === 'actions/dependency-review-action') {
      facts.dependencyReviews.push({ weakness: dependencyReviewWeakness(workflow, step) });
    } else if (name.startsWith('gitleaks/') || name === 'trufflesecurity/trufflehog') {
      facts.secretScan ||= gating;
    } else if (name === 'aquasecurity/trivy-action') {
      const exitCode = inputOf(workflow, step, 'exit-code')?.value;
      const severity = inputOf(workflow, step, 'severity')?.value;
      const format = inputOf(workflow, step, 'format')?.value?.trim().toLowerCase();
      // A trivy-config file may set exit-code and severity: it is not read here, so the step counts as a gate.
      const configured = inputOf(workflow, step, 'trivy-config')?.value !== undefined;
      const gate = gating && (configured || (exitCodeFails(exitCode) && severityCoversHigh(severity)));
      facts.trivy.push({
        target: trivyTarget(inputOf(workflow, step, 'scan-type')?.value ?? 'image', inputOf(workflow, step, 'scanners')?.value),
        gate,
        location: nodeAt(workflow, step.uses.node),
        why: trivyWhy(gate, exitCode, severity, !gating),
      });
      if (format !== undefined && SBOM_FORMATS.has(format)) facts.sbom = true;
    } else if (name === 'anchore/sbom-action' || name.startsWith('anchore/sbom-action/') || name === 'actions/attest-sbom' || name.startsWith('cyclonedx/')) {
      facts.sbom = true;
    } else if (ATTESTATION_ACTIONS.has(name)) {
      facts.attests = true;
    } else if (LINTER_ACTIONS[name] !== undefined) {
      if (gating) facts.linters.add(LINTER_ACTIONS[name]);
    } else if (uses.startsWith('docker://')) {
      const tool = imageTool(uses);
      if (gating && (tool === 'zizmor' || tool === 'actionlint' || tool === 'hadolint')) facts.linters.add(tool);
      if (SECRET_SCANNERS.has(tool)) facts.secretScan ||= gating;
    }
    if (name === 'docker/build-push-action' || name === 'docker/bake-action') {
      const push = inputOf(workflow, step, 'push');
      const outputs = inputOf(workflow, step, 'outputs');
      if (push !== undefined && isTruthy(push.node)) facts.pushes.push({ location: nodeAt(workflow, push.node), what: `${name} with push` });
      else if (outputs?.value !== undefined && /(^|,)\s*push=true\s*(,|$)/m.test(outputs.value)) facts.pushes.push({ location: nodeAt(workflow, outputs.node), what: `${name} with outputs push=true` });
      const sbom = inputOf(workflow, step, 'sbom');
      if (sbom !== undefined && isTruthy(sbom.node)) facts.sbom = true;
    }
  }
  for (const script of runScriptsOf(workflow)) {
    const gating = !continuesOnError(workflow, script.step.node);
    for (const command of script.commands) {
      const invocation = invocationOf(command);
      if (invocation === undefined) continue;
      const tools = toolsRun(invocation, script.env);
      for (const tool of tools) {
        if ((tool === 'zizmor' || tool === 'actionlint' || tool === 'hadolint') && gating) facts.linters.add(tool);
        if (SECRET_SCANNERS.has(tool)) facts.secretScan ||= gating;
        if (SBOM_TOOLS.has(tool)) facts.sbom = true;
      }
      if (invocation.program === 'trivy') {
        const trivy = trivyCommand(invocation);
        facts.trivy.push({ target: trivy.target, gate: trivy.gate && gating, location: commandLocation(script, command), why: gating ? trivy.why : 'continue-on-error: true' });
        facts.sbom ||= trivy.sbom;
      }
      if (invocation.program === 'cosign' && positionals(invocation.args)[0]?.text === 'attest') facts.attests = true;
      if (pushesImage(invocation)) facts.pushes.push({ location: commandLocation(script, command), what: `${invocation.program} push` });
    }
  }
  return facts;
}

// ---- Repositories --------------------------------------------------------------------------------

export function isWorkflowPath(path: string): boolean {
  return WORKFLOW_PATH.test(path);
}

/** The directory (with a trailing slash, '' for the root) whose `.github/workflows/` holds this workflow. */
export function workflowRoot(path: string): string {
  return path.slice(0, path.lastIndexOf('.github/workflows/'));
}

/** A directory with workflows (the repository, or a project nested in it), with what belongs to it. */
export interface WorkflowRoot {
  /** The directory, with a trailing slash ('' for the checked root). */
  root: string;
  /** Its workflow paths, in path order. */
  workflows: string[];
  /** Line 1 of the first workflow: where a finding about something missing points. */
  firstWorkflow: Location;
  /** The paths under it and not under another root nested in it. */
  paths: string[];
}

/** Each directory with workflows, in path order. */
export function workflowRoots(paths: ReadonlySet<string>): WorkflowRoot[] {
  const byRoot = new Map<string, string[]>();
  for (const path of paths) {
    if (!isWorkflowPath(path)) continue;
    const root = workflowRoot(path);
    const workflows = byRoot.get(root);
    if (workflows === undefined) byRoot.set(root, [path]);
    else workflows.push(path);
  }
  const roots = [...byRoot.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return roots.map((root) => {
    const workflows = byRoot.get(root)!.sort();
    const nested = roots.filter((other) => other !== root && other.startsWith(root));
    return {
      root,
      workflows,
      firstWorkflow: { file: workflows[0]!, line: 1, column: 1 },
      paths: [...paths].filter((path) => path.startsWith(root) && !nested.some((other) => path.startsWith(other))),
    };
  });
}

interface RepositoryScope {
  root: string;
  /** Line 1 of the first workflow: where a finding about something missing points. */
  firstWorkflow: Location;
  facts: WorkflowFacts[];
  paths: string[];
  hasDockerfiles: boolean;
  hasCompose: boolean;
}

// ---- The checks ---------------------------------------------------------------------------------

const ci01: WorkflowCheck = {
  controlId: 'CI-01',
  docs: 'Flags a workflow without a top-level permissions: key, a top-level permissions: write-all (or any other value than read-all), a top-level permission set to write, and write-all on any job.',
  fix: 'Set top-level `permissions: {}` (or `contents: read`) and grant each job only the write scopes it needs.',
  run(workflow, report) {
    const pair = pairOf(workflow, workflow.root, 'permissions');
    if (pair === undefined) {
      const first = workflow.root.items[0]?.key;
      report(nodeAt(workflow, first), 'no top-level permissions: every job gets the repository default token permissions, which may be write-all');
    } else {
      const value = deref(workflow, pair.value);
      if (isMap(value)) {
        for (const item of value.items) {
          if (text(deref(workflow, item.value)) === 'write') {
            report(nodeAt(workflow, item.key), `top-level permissions grant ${String(isScalar(item.key) ? item.key.value : '?')}: write to every job`);
          }
        }
      } else if (text(value) !== 'read-all') {
        report(nodeAt(workflow, value ?? pair.key), `top-level permissions are ${JSON.stringify(text(value) ?? null)}: broader than read-only`);
      }
    }
    for (const job of jobsOf(workflow)) {
      const jobPermissions = valueOf(workflow, job.node, 'permissions');
      if (text(jobPermissions) === 'write-all') report(nodeAt(workflow, jobPermissions), `job ${job.id} has permissions: write-all`);
    }
  },
};

const ci02: WorkflowCheck = {
  controlId: 'CI-02',
  docs: 'Flags every remote uses: (step actions and reusable workflows) whose ref is not a full 40-hex commit SHA, and docker:// steps, job container: images and services images not pinned by @sha256 digest. Local ./ actions are fine; an image given by a ${{ }} expression is not evaluated.',
  fix: 'Pin the action to a full commit SHA with the version in a comment (`uses: owner/repo@<40-hex sha> # vX.Y.Z`), and images by digest (`image: postgres:17@sha256:<digest>`).',
  run(workflow, report) {
    const uses: Array<{ value: string; node: unknown }> = [];
    for (const job of jobsOf(workflow)) {
      const node = valueOf(workflow, job.node, 'uses');
      const value = text(node);
      if (value !== undefined) uses.push({ value: value.trim(), node });
    }
    for (const step of stepsOf(workflow)) if (step.uses) uses.push(step.uses);
    for (const { value, node } of uses) {
      if (value.startsWith('./')) continue;
      if (value.startsWith('docker://')) {
        if (!IMAGE_DIGEST.test(value)) report(nodeAt(workflow, node), `${value} is not pinned by @sha256 digest`);
        continue;
      }
      const at = value.lastIndexOf('@');
      const ref = at < 0 ? '' : value.slice(at + 1);
      if (!FULL_SHA.test(ref)) {
        report(nodeAt(workflow, node), ref === '' ? `${value} has no ref at all` : `${value} is pinned to "${ref}", a tag or branch that can move, not a full commit SHA`);
      }
    }
    for (const job of jobsOf(workflow)) {
      const container = valueOf(workflow, job.node, 'container');
      const images: Array<{ node: unknown; what: string }> = [{ node: isMap(container) ? valueOf(workflow, container, 'image') : container, what: `the container of job ${job.id}` }];
      const services = valueOf(workflow, job.node, 'services');
      if (isMap(services)) {
        for (const pair of services.items) {
          const service = deref(workflow, pair.value);
          images.push({ node: isMap(service) ? valueOf(workflow, service, 'image') : service, what: `service ${String(isScalar(pair.key) ? pair.key.value : '?')} of job ${job.id}` });
        }
      }
      for (const { node, what } of images) {
        const image = text(node)?.trim();
        if (image === undefined || image === '' || image.includes('${{')) continue;
        if (!IMAGE_DIGEST.test(image)) report(nodeAt(workflow, node), `${what} runs image ${image}, which is not pinned by @sha256 digest: the tag can be moved to other content`);
      }
    }
  },
};

const ci03: WorkflowCheck = {
  controlId: 'CI-03',
  docs: 'Flags every actions/checkout step that does not set persist-credentials: false.',
  fix: 'Add `with: { persist-credentials: false }` to the checkout step (pass a token explicitly to the one step that must push).',
  run(workflow, report) {
    for (const step of stepsOf(workflow)) {
      if (!step.uses || !isAction(step.uses.value, 'actions/checkout')) continue;
      const setting = valueOf(workflow, valueOf(workflow, step.node, 'with'), 'persist-credentials');
      if (isScalar(setting) && (setting.value === false || text(setting) === 'false')) continue;
      report(
        nodeAt(workflow, setting ?? step.uses.node),
        `checkout in job ${step.job.id} keeps the token in .git/config (persist-credentials is ${setting === undefined ? 'not set' : JSON.stringify(text(setting) ?? null)})`,
      );
    }
  },
};

const PR_HEAD = /github\.event\.pull_request\.head\b|github\.event\.pull_request\.merge_commit_sha|github\.event\.workflow_run\.head_|github\.head_ref|refs\/pull\//;

const ci04: WorkflowCheck = {
  controlId: 'CI-04',
  docs: 'In workflows triggered by pull_request_target or workflow_run, flags a checkout whose ref or repository is the pull request head (head.sha, head.ref, head_ref, merge_commit_sha, workflow_run.head_*, refs/pull/…) and run: scripts that fetch or check out pull request code (gh pr checkout, refs/pull/…).',
  fix: 'Run pull request code only under `pull_request` (no secrets, read-only token); keep pull_request_target/workflow_run jobs to trusted code from the base branch.',
  run(workflow, report) {
    const dangerous = triggersOf(workflow).filter((trigger) => PRIVILEGED_TRIGGERS.has(trigger));
    if (dangerous.length === 0) return;
    const trigger = dangerous.join(', ');
    for (const step of stepsOf(workflow)) {
      if (step.uses && isAction(step.uses.value, 'actions/checkout')) {
        const withNode = valueOf(workflow, step.node, 'with');
        for (const key of ['ref', 'repository']) {
          const node = valueOf(workflow, withNode, key);
          const value = text(node);
          if (value !== undefined && PR_HEAD.test(value)) {
            report(nodeAt(workflow, node), `job ${step.job.id} checks out pull request code (${key}: ${value.trim()}) in a ${trigger} workflow, which runs with secrets and a write token`);
          }
        }
      }
      const run = valueOf(workflow, step.node, 'run');
      const script = text(run);
      if (script !== undefined && (/\bgh\s+pr\s+checkout\b/.test(script) || PR_HEAD.test(script))) {
        report(nodeAt(workflow, run), `job ${step.job.id} fetches or checks out pull request code in a run: script of a ${trigger} workflow`);
      }
    }
  },
};

/** Triggers whose runs have secrets and a write token while an outsider controls the pull request or its artifacts. */
const PRIVILEGED_TRIGGERS = new Set(['pull_request_target', 'workflow_run']);
const UNTRUSTED = /\bgithub\.event(?![\w-])|\bgithub\.head_ref\b|\binputs\s*[.[]/;
const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
/** `$GITHUB_ENV`, `${GITHUB_PATH}`, PowerShell's `$env:GITHUB_ENV`, cmd's `%GITHUB_ENV%`. */
const ENVIRONMENT_FILE = /^(?:\$\{?(?:env:)?|%)(GITHUB_ENV|GITHUB_PATH)(?:\}|%)?$/i;
const WRITING_REDIRECTIONS = new Set(['>', '>>', '>|', '&>', '&>>']);
const FILE_WRITERS = new Set(['tee', 'out-file', 'add-content', 'set-content']);
/** Programs whose output is their arguments or their here-document, so a write of literal words is static. */
const LITERAL_WRITERS = new Set(['echo', 'printf', 'cat', 'write-output', ...FILE_WRITERS]);

/** Variables the runner sets, which an outsider cannot choose: writing them is writing fixed text. */
const RUNNER_VARIABLES = new Set(['HOME', 'PWD', 'GITHUB_WORKSPACE', 'GITHUB_ACTION_PATH', 'RUNNER_TEMP', 'RUNNER_TOOL_CACHE', 'RUNNER_OS', 'RUNNER_ARCH', 'GITHUB_SHA', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID', 'GITHUB_RUN_NUMBER']);

function isFixedText(expansion: { dynamic: boolean; variables: readonly string[]; substitutions: readonly unknown[] }, text: string): boolean {
  if (!expansion.dynamic) return true;
  if (expansion.substitutions.length > 0 || text.includes('${{') || text.includes('$((')) return false;
  return expansion.variables.length > 0 && expansion.variables.every((name) => RUNNER_VARIABLES.has(name));
}

function hasUntrustedExpression(value: string): boolean {
  return [...value.matchAll(EXPRESSION)].some((match) => UNTRUSTED.test(match[1]!));
}

/** Writes to GITHUB_ENV/GITHUB_PATH in a script: the word naming the file and the command that writes. */
function environmentFileWrites(script: RunScript): Array<{ word: ShellWord; command: ShellCommand }> {
  const writes: Array<{ word: ShellWord; command: ShellCommand }> = [];
  for (const command of script.commands) {
    for (const redirection of command.redirections) {
      if (WRITING_REDIRECTIONS.has(redirection.operator) && redirection.target && ENVIRONMENT_FILE.test(redirection.target.text)) writes.push({ word: redirection.target, command });
    }
    const invocation = invocationOf(command);
    if (invocation && FILE_WRITERS.has(invocation.program.toLowerCase())) {
      for (const word of invocation.args) if (ENVIRONMENT_FILE.test(word.text)) writes.push({ word, command });
    }
  }
  return writes;
}

/** Whether what a write puts in the file is fixed text: every command feeding it prints only literal words (or runner paths). */
function writesLiteralText(script: RunScript, writer: ShellCommand): boolean {
  const feeding = pipelineOf(script.commands, writer).filter((command) => command.start <= writer.start);
  return feeding.every((command) => {
    const invocation = invocationOf(command);
    if (invocation === undefined || !LITERAL_WRITERS.has(invocation.program.toLowerCase())) return false;
    // `cat FILE` prints a file, not literal text.
    if (invocation.program === 'cat' && positionals(invocation.args).some((word) => !ENVIRONMENT_FILE.test(word.text))) return false;
    return command.words.every((word) => isFixedText(word, word.text) || ENVIRONMENT_FILE.test(word.text)) && command.hereDocuments.every((document) => isFixedText(document, document.body));
  });
}

const ci05: WorkflowCheck = {
  controlId: 'CI-05',
  docs:
    'Flags ${{ … }} expressions that read github.event.*, github.head_ref or inputs.* inside a run: script or an actions/github-script script:. ' +
    'Also flags writes to GITHUB_ENV or GITHUB_PATH (redirections, tee, PowerShell Out-File/Add-Content/Set-Content) in a run: script when ' +
    '(a) the workflow runs on pull_request_target or workflow_run and the written text is not fixed (it comes from a command, a file or a variable other than those the runner sets, HOME, GITHUB_WORKSPACE, RUNNER_TEMP…: zizmor github-env), or ' +
    '(b) in any workflow, the written text expands an env: variable set from github.event.*, head_ref or inputs.* (a newline in it adds any variable, e.g. LD_PRELOAD, or a PATH entry for every later step). ' +
    'A write whose untrusted ${{ }} is inline is reported once, as the expression.',
  fix: 'Pass the value through `env:` (e.g. `env: { TITLE: ${{ github.event.issue.title }} }`) and use "$TITLE" in the script; never write untrusted text to GITHUB_ENV or GITHUB_PATH: use a step output, validated, instead.',
  run(workflow, report) {
    for (const step of stepsOf(workflow)) {
      const scripts: Array<{ node: unknown; key: string }> = [{ node: valueOf(workflow, step.node, 'run'), key: 'run' }];
      if (step.uses && isAction(step.uses.value, 'actions/github-script')) {
        scripts.push({ node: valueOf(workflow, valueOf(workflow, step.node, 'with'), 'script'), key: 'script' });
      }
      for (const { node, key } of scripts) {
        if (text(node) === undefined) continue;
        for (const { expression, offset } of expressionsIn(workflow, node)) {
          if (UNTRUSTED.test(expression)) {
            report(at(workflow, offset), `\${{ ${expression} }} is expanded into the ${key}: script of job ${step.job.id} before the shell sees it (script injection)`);
          }
        }
      }
    }
    const privileged = triggersOf(workflow).filter((trigger) => PRIVILEGED_TRIGGERS.has(trigger));
    for (const script of runScriptsOf(workflow)) {
      const untrustedVariables = new Set([...script.env].filter(([, value]) => hasUntrustedExpression(value)).map(([name]) => name));
      for (const { word, command } of environmentFileWrites(script)) {
        const file = ENVIRONMENT_FILE.exec(word.text)![1]!.toUpperCase();
        const pipeline = pipelineOf(script.commands, command);
        if (pipeline.some((other) => other.words.some((candidate) => hasUntrustedExpression(candidate.text)))) continue;
        const expanded = pipeline.flatMap((other) => [...other.words.flatMap((candidate) => candidate.variables), ...other.hereDocuments.flatMap((document) => document.variables)]);
        const untrusted = [...new Set(expanded.filter((name) => untrustedVariables.has(name)))];
        if (untrusted.length > 0) {
          report(
            wordLocation(script, word),
            `job ${script.step.job.id} writes $${untrusted.join(', $')} (set from untrusted event data) to ${file}: a newline in it defines any variable or PATH entry for every later step`,
          );
        } else if (privileged.length > 0 && !writesLiteralText(script, command)) {
          report(
            wordLocation(script, word),
            `job ${script.step.job.id} writes computed text to ${file} in a ${privileged.join(', ')} workflow, which runs with secrets on input an outsider controls: it can set LD_PRELOAD, NODE_OPTIONS or PATH for every later step`,
          );
        }
      }
    }
  },
};

const CLOUD_LOGIN_ACTIONS = new Set(['aws-actions/configure-aws-credentials', 'google-github-actions/auth', 'azure/login']);
/** Inputs of cloud login actions that take a long-lived credential instead of an OIDC federation. */
const STATIC_KEY_INPUTS: Record<string, readonly string[]> = {
  'aws-actions/configure-aws-credentials': ['aws-access-key-id', 'aws-secret-access-key'],
  'google-github-actions/auth': ['credentials_json'],
  'google-github-actions/setup-gcloud': ['service_account_key'],
  'azure/login': ['creds'],
};
/** Secret names that, by convention, hold a long-lived cloud key. */
const STATIC_KEY_SECRET = /(?:^|_)AWS_(?:ACCESS_KEY_ID|SECRET_ACCESS_KEY|SECRET_KEY)$|(?:^|_)AZURE_(?:CREDENTIALS|CLIENT_SECRET)$|(?:^|_)(?:GCP|GCLOUD|GOOGLE|GKE)_(?:SA_KEY|CREDENTIALS|APPLICATION_CREDENTIALS|SERVICE_ACCOUNT_KEY|KEY_JSON|JSON_KEY)$/i;
const SECRET_REFERENCE = /\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])/g;
/** Actions that use the job's OIDC token only to sign what they publish (attestations, Scorecard results), not to reach a cloud. */
const OIDC_SIGNING_ACTIONS = new Set([...ATTESTATION_ACTIONS, 'actions/attest-sbom', 'ossf/scorecard-action']);

function grantsIdToken(workflow: Workflow, permissions: unknown): { key: unknown } | undefined {
  const pair = pairOf(workflow, permissions, 'id-token');
  return pair !== undefined && text(deref(workflow, pair.value)) === 'write' ? { key: pair.key } : undefined;
}

const ci06: WorkflowCheck = {
  controlId: 'CI-06',
  docs:
    'Flags id-token: write in the top-level permissions (every job could mint a cloud token), id-token: write in a job without an environment: unless the job only attests ' +
    '(it runs actions/attest-build-provenance, actions/attest or actions/attest-sbom, which sign with the OIDC token) or publishes Scorecard results (ossf/scorecard-action) and logs in to no cloud, long-lived credential inputs of cloud login actions ' +
    '(aws-access-key-id/aws-secret-access-key, credentials_json, service_account_key, azure/login creds) and ${{ secrets.X }} references whose name holds a static cloud key ' +
    '(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AZURE_CREDENTIALS, AZURE_CLIENT_SECRET, GCP_SA_KEY, GOOGLE_CREDENTIALS…, with any prefix). The cloud side of the trust (sub and aud pinned) is not in the repository and is not checked.',
  fix: 'Grant `id-token: write` only in the deploy job, which runs in an `environment:`; authenticate with OIDC (role-to-assume, workload_identity_provider, azure/login client-id/tenant-id/subscription-id) and delete the static keys from the repository secrets.',
  run(workflow, report) {
    const top = grantsIdToken(workflow, valueOf(workflow, workflow.root, 'permissions'));
    if (top) report(nodeAt(workflow, top.key), 'id-token: write at the top of the workflow lets every job request an OIDC token for the cloud');
    for (const job of jobsOf(workflow)) {
      const grant = grantsIdToken(workflow, valueOf(workflow, job.node, 'permissions'));
      if (grant === undefined || environmentOf(workflow, job) !== undefined) continue;
      if (valueOf(workflow, job.node, 'uses') !== undefined) continue; // a reusable workflow's jobs declare their own environment
      const actions = stepsOfJob(workflow, job).flatMap((step) => (step.uses ? [actionName(step.uses.value)] : []));
      if (actions.some((name) => OIDC_SIGNING_ACTIONS.has(name)) && !actions.some((name) => CLOUD_LOGIN_ACTIONS.has(name))) continue;
      report(nodeAt(workflow, grant.key), `job ${job.id} can request an OIDC token (id-token: write) but has no environment:, so no protection rule stands between any branch and the cloud role`);
    }
    const reportedValues = new Set<unknown>();
    for (const step of stepsOf(workflow)) {
      const inputs = step.uses ? STATIC_KEY_INPUTS[actionName(step.uses.value)] : undefined;
      const given = (inputs ?? [])
        .map((input) => ({ input, value: inputOf(workflow, step, input) }))
        .filter(({ value }) => value !== undefined && (value.value ?? '').trim() !== '');
      // One finding per login step: its key inputs (id and secret) are one credential.
      for (const { value } of given) reportedValues.add(value!.node);
      const first = given[0];
      if (first) report(nodeAt(workflow, first.value!.node), `${actionName(step.uses!.value)} in job ${step.job.id} logs in with a long-lived credential (${given.map(({ input }) => input).join(', ')}) instead of OIDC`);
    }
    visit(workflow.doc, {
      Scalar(_key, node) {
        if (typeof node.value !== 'string' || !node.value.includes('secrets') || reportedValues.has(node)) return;
        for (const { expression, offset } of expressionsIn(workflow, node)) {
          for (const match of expression.matchAll(SECRET_REFERENCE)) {
            const name = match[1] ?? match[2] ?? '';
            if (STATIC_KEY_SECRET.test(name)) report(at(workflow, offset), `secrets.${name} is a long-lived cloud key: a leaked copy works from anywhere until it is rotated`);
          }
        }
      },
    });
  },
};

const NOT_DEPLOYING = new Set(['echo', 'printf', 'cat', 'grep', 'test', '[', 'cd', 'ls', 'mkdir', 'cp', 'mv', 'rm', 'chmod', 'tar', 'find', 'git', 'touch']);

/** Commands that deploy: `<tool> … deploy …` in its first three arguments, and the usual apply/upgrade verbs. */
function deploysWith(invocation: Invocation, env: ReadonlyMap<string, string>): string | undefined {
  const program = invocation.program.toLowerCase();
  if (/^deploy(?:[.-]|$)/.test(program)) return invocation.programWord.text;
  // Commands that name files, branches or text, where a `deploy` argument is a name, not an action.
  if (NOT_DEPLOYING.has(program)) return undefined;
  const args = positionals(invocation.args).map((word) => resolvedText(word, env));
  const verbs: Record<string, readonly string[]> = {
    kubectl: ['apply', 'rollout', 'replace', 'set'],
    helm: ['upgrade', 'install'],
    terraform: ['apply'],
    tofu: ['apply'],
    pulumi: ['up'],
  };
  if (verbs[program]?.includes(args[0] ?? '')) return `${program} ${args[0]}`;
  if (program === 'aws' && args[0] === 'ecs' && args[1] === 'update-service') return 'aws ecs update-service';
  const deployArgument = args.slice(0, 3).find((arg) => /^deploy(?:[:-]|$)/.test(arg));
  return deployArgument === undefined ? undefined : `${program} ${args.slice(0, args.indexOf(deployArgument) + 1).join(' ')}`;
}

/**
 * Why a job deploys, or undefined: it logs in to a cloud (aws-actions/configure-aws-credentials,
 * google-github-actions/auth, azure/login), uses an action whose name says deploy (actions/deploy-pages,
 * …/amazon-ecs-deploy-task-definition, …/deploy-cloudrun, azure/webapps-deploy), runs a deploying command
 * (see deploysWith), or its id or name: contains the word deploy.
 */
function deployEvidence(workflow: Workflow, job: Job): string | undefined {
  if (valueOf(workflow, job.node, 'uses') !== undefined) return undefined; // environment: is not allowed on a reusable workflow call
  for (const step of stepsOfJob(workflow, job)) {
    if (step.uses === undefined) continue;
    const name = actionName(step.uses.value);
    if (CLOUD_LOGIN_ACTIONS.has(name) || /deploy/.test(name.split('/')[1] ?? '')) return `it uses ${name}`;
  }
  for (const script of runScriptsOf(workflow)) {
    if (script.step.job !== job) continue;
    for (const command of script.commands) {
      const invocation = invocationOf(command);
      const deploys = invocation && deploysWith(invocation, script.env);
      if (deploys) return `it runs ${deploys}`;
    }
  }
  const name = text(valueOf(workflow, job.node, 'name'));
  if (/(?:^|[^a-z])deploy/i.test(job.id)) return `it is called ${job.id}`;
  if (name !== undefined && /(?:^|[^a-z])deploy/i.test(name)) return `it is named "${name}"`;
  return undefined;
}

const ci07: WorkflowCheck = {
  controlId: 'CI-07',
  docs:
    'Flags a deploy job without environment:. A job deploys when it logs in to a cloud (aws-actions/configure-aws-credentials, google-github-actions/auth, azure/login), uses an action whose name contains "deploy", ' +
    'runs a deploying command (a program named deploy*, `<tool> … deploy` in its first three arguments such as `npm run deploy` or `gcloud run deploy`, kubectl apply/rollout/set/replace, helm upgrade/install, terraform/tofu apply, pulumi up, aws ecs update-service), ' +
    'or its id or name: contains the word deploy. The environment\'s required reviewers and branch policy live in the repository settings and are not checked here.',
  fix: 'Give the job `environment: production` and, in Settings → Environments, require reviewers, allow only the default branch and scope the deploy secrets to that environment.',
  run(workflow, report) {
    for (const job of jobsOf(workflow)) {
      if (environmentOf(workflow, job) !== undefined) continue;
      const evidence = deployEvidence(workflow, job);
      if (evidence) report(nodeAt(workflow, job.key), `job ${job.id} deploys (${evidence}) without an environment:, so no reviewer or branch rule gates it`);
    }
  },
};

const TO_JSON_SECRETS = /toJSON\s*\(\s*secrets\s*\)/i;

const ci08: WorkflowCheck = {
  controlId: 'CI-08',
  docs: 'Flags secrets: inherit on a job that calls a reusable workflow, and toJSON(secrets) anywhere in a workflow.',
  fix: 'Pass each secret the job needs by name (`secrets: { TOKEN: ${{ secrets.TOKEN }} }`) and never serialise the whole secrets context.',
  run(workflow, report) {
    for (const job of jobsOf(workflow)) {
      const secrets = valueOf(workflow, job.node, 'secrets');
      if (text(secrets) === 'inherit') report(nodeAt(workflow, secrets), `job ${job.id} passes every secret to the reusable workflow (secrets: inherit)`);
    }
    visit(workflow.doc, {
      Scalar(_key, node) {
        if (typeof node.value !== 'string' || !TO_JSON_SECRETS.test(node.value)) return;
        const located = sourceOf(workflow, node);
        const index = located ? located.source.search(TO_JSON_SECRETS) : -1;
        report(located && index >= 0 ? at(workflow, located.start + index) : nodeAt(workflow, node), 'toJSON(secrets) exposes every secret of the repository');
      },
    });
  },
};

const PYTHON_SOURCE = /\.pyi?$/;
const JAVASCRIPT_SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

const ci09: WorkflowCheck = {
  controlId: 'CI-09',
  docs:
    'In a repository with workflows, flags the absence of any github/codeql-action/init step, and an analysis that leaves out a language the repository has: actions (always), python (any .py file), javascript-typescript (any .js/.ts/.jsx/.tsx/.mjs/.cjs/.mts/.cts file). ' +
    'languages: may be a list or ${{ matrix.<key> }} of the job\'s matrix; an init without languages: (automatic detection) or with languages computed at run time counts as covering everything. CodeQL default setup is configured outside the repository and is not seen.',
  fix: 'Add a CodeQL workflow (github/codeql-action/init + analyze, pinned) whose languages include actions, python and javascript-typescript as the repository has them.',
  finishRepository(repository, report) {
    const inits = repository.facts.flatMap((facts) => facts.codeql);
    if (inits.length === 0) {
      report(repository.firstWorkflow, 'no workflow runs CodeQL (github/codeql-action/init): code scanning finds nothing');
      return;
    }
    if (inits.some((init) => init.languages === undefined)) return;
    const analysed = new Set(inits.flatMap((init) => init.languages!));
    const needed = ['actions', ...(repository.paths.some((path) => PYTHON_SOURCE.test(path)) ? ['python'] : []), ...(repository.paths.some((path) => JAVASCRIPT_SOURCE.test(path)) ? ['javascript-typescript'] : [])];
    const missing = needed.filter((language) => !analysed.has(language));
    if (missing.length > 0) report(inits[0]!.location, `CodeQL does not analyse ${missing.join(', ')}, which this repository contains`);
  },
};

const ci10: WorkflowCheck = {
  controlId: 'CI-10',
  docs:
    'In a repository with workflows, flags: no actions/dependency-review-action step, or one that cannot block (fail-on-severity: critical, warn-only: true, continue-on-error: true; the default, low, is stricter than high and fine); ' +
    'no secret scan (gitleaks or trufflehog, as an action, a docker:// step or a command); and, when the repository has a Dockerfile, no trivy image scan that fails the job, and when it has a Dockerfile or a compose file, no trivy config scan that fails it. ' +
    'A trivy gate is aquasecurity/trivy-action or the trivy command with a non-zero exit-code and a severity that includes HIGH and CRITICAL (or no severity: all), without continue-on-error. Push protection is a repository setting and is not seen.',
  fix: 'Gate pull requests with actions/dependency-review-action (fail-on-severity: high), gitleaks, and trivy image and config scans with `exit-code: 1` and `severity: HIGH,CRITICAL` (a separate run with exit-code 0 may upload SARIF).',
  finishRepository(repository, report) {
    const reviews = repository.facts.flatMap((facts) => facts.dependencyReviews);
    if (reviews.length === 0) report(repository.firstWorkflow, 'no dependency review (actions/dependency-review-action): a pull request can add a dependency with a known vulnerability');
    for (const review of reviews) if (review.weakness) report(review.weakness.location, review.weakness.message);
    if (!repository.facts.some((facts) => facts.secretScan)) report(repository.firstWorkflow, 'no secret scan (gitleaks or trufflehog) runs on the repository: a committed credential goes unnoticed');
    const scans = repository.facts.flatMap((facts) => facts.trivy);
    const requireGate = (target: ScanTarget, what: string) => {
      const ofTarget = scans.filter((scan) => scan.target === target);
      if (ofTarget.some((scan) => scan.gate)) return;
      const first = ofTarget[0];
      if (first === undefined) report(repository.firstWorkflow, `no trivy ${what} scan: ${target === 'image' ? 'an image with a fixed HIGH or CRITICAL vulnerability ships' : 'a misconfigured Dockerfile or compose file ships'}`);
      else report(first.location, `the trivy ${what} scan never fails the build (${first.why}): findings are reported but nothing stops`);
    };
    if (repository.hasDockerfiles) requireGate('image', 'image');
    if (repository.hasDockerfiles || repository.hasCompose) requireGate('config', 'config');
  },
};

const ci11: WorkflowCheck = {
  controlId: 'CI-11',
  docs: 'In a repository with a Dockerfile and workflows, flags the absence of any SBOM step: anchore/sbom-action, actions/attest-sbom, a CycloneDX action, docker/build-push-action with sbom: true, trivy with an SPDX or CycloneDX format, or syft, cdxgen or cyclonedx-* commands.',
  fix: 'Add an SBOM per image (e.g. anchore/sbom-action with `format: spdx-json` on the pushed digest) and keep it as an artifact or attestation.',
  finishRepository(repository, report) {
    if (repository.hasDockerfiles && !repository.facts.some((facts) => facts.sbom)) {
      report(repository.firstWorkflow, 'no workflow produces an SBOM (SPDX or CycloneDX) of the images this repository builds');
    }
  },
};

const ci12: WorkflowCheck = {
  controlId: 'CI-12',
  docs:
    'Flags an image push (docker/build-push-action or docker/bake-action with push: true, an expression, or outputs push=true; docker/podman/buildah push; docker build/buildx --push) in a repository where no workflow attests build provenance ' +
    '(actions/attest-build-provenance, actions/attest, the SLSA generator\'s reusable workflows, cosign attest). Also flags a deploy job (see CI-07) that needs a job pushing an image and never runs `gh attestation verify` (or cosign verify-attestation).',
  fix: 'Attest what you push (actions/attest-build-provenance with id-token: write and attestations: write) and run `gh attestation verify oci://IMAGE@DIGEST --repo OWNER/REPO` in the deploy job before deploying.',
  run(workflow, report) {
    const pushingJobs = new Set<Job>();
    for (const step of stepsOf(workflow)) {
      const name = step.uses ? actionName(step.uses.value) : '';
      if (name !== 'docker/build-push-action' && name !== 'docker/bake-action') continue;
      const push = inputOf(workflow, step, 'push');
      const outputs = inputOf(workflow, step, 'outputs')?.value;
      if ((push !== undefined && isTruthy(push.node)) || (outputs !== undefined && /(^|,)\s*push=true\s*(,|$)/m.test(outputs))) pushingJobs.add(step.job);
    }
    const verifyingJobs = new Set<Job>();
    for (const script of runScriptsOf(workflow)) {
      for (const command of script.commands) {
        const invocation = invocationOf(command);
        if (invocation === undefined) continue;
        const args = positionals(invocation.args).map((word) => word.text);
        if (pushesImage(invocation)) pushingJobs.add(script.step.job);
        if ((invocation.program === 'gh' && args[0] === 'attestation' && args[1] === 'verify') || (invocation.program === 'cosign' && args[0] === 'verify-attestation')) verifyingJobs.add(script.step.job);
      }
    }
    if (pushingJobs.size === 0) return;
    const pushingIds = new Set([...pushingJobs].map((job) => job.id));
    for (const job of jobsOf(workflow)) {
      if (verifyingJobs.has(job) || deployEvidence(workflow, job) === undefined) continue;
      const pushed = needsOf(workflow, job).filter((id) => pushingIds.has(id));
      if (pushed.length > 0) report(nodeAt(workflow, job.key), `job ${job.id} deploys what ${pushed.join(', ')} pushed without verifying its provenance (gh attestation verify)`);
    }
  },
  finishRepository(repository, report) {
    if (repository.facts.some((facts) => facts.attests)) return;
    const push = repository.facts.flatMap((facts) => facts.pushes)[0];
    if (push) report(push.location, `an image is pushed (${push.what}) but no workflow attests its build provenance: a tampered image cannot be told apart`);
  },
};

const ci14: WorkflowCheck = {
  controlId: 'CI-14',
  docs: 'Flags every job with steps whose first step is not step-security/harden-runner (at any ref; CI-02 checks the pin). Jobs that call a reusable workflow are not flagged: the called workflow\'s jobs are. Audit or block egress mode are both accepted.',
  fix: 'Make `uses: step-security/harden-runner@<sha> # vX` (with `egress-policy: audit`, then `block` with `allowed-endpoints`) the first step of the job.',
  run(workflow, report) {
    for (const job of jobsOf(workflow)) {
      const steps = stepsOfJob(workflow, job);
      const first = steps[0];
      if (first === undefined || (first.uses && isAction(first.uses.value, 'step-security/harden-runner'))) continue;
      const later = steps.some((step) => step.uses && isAction(step.uses.value, 'step-security/harden-runner'));
      report(nodeAt(workflow, first.node), later ? `harden-runner is not the first step of job ${job.id}: the steps before it run unmonitored` : `job ${job.id} does not start with step-security/harden-runner: its network egress is neither seen nor limited`);
    }
  },
};

const PIP = /^pip[0-9.]*$/;
/** pip install options that take a value. */
const PIP_VALUE_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix', '--root', '--python-version', '--platform', '--implementation', '--abi', '--only-binary', '--no-binary', '--upgrade-strategy', '--progress-bar', '--log', '--cache-dir', '--src', '-C', '--config-settings', '--global-option', '--report', '--trusted-host', '--proxy', '--retries', '--timeout', '--exists-action', '--cert', '--client-cert', '--python', '--root-user-action', '--group']);
const NPM_VALUE_OPTIONS = new Set(['--prefix', '-C', '-w', '--workspace', '--registry', '--cache', '--userconfig', '--loglevel']);
const NPM_INSTALL = new Set(['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add']);
const NPX_VALUE_OPTIONS = new Set(['-p', '--package', '-c', '--call', '-w', '--workspace']);
const EXACT_NPM_SPEC = /^(?:@[^/\s@]+\/)?[^@\s/]+@v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/;
const EXACT_PYTHON_SPEC = /^[A-Za-z0-9._-]+(?:\[[^\]]*\])?(?:==|@)v?\d[^\s,;<>=!~*]*$/;
const MUTABLE_GO_VERSIONS = new Set(['latest', 'upgrade', 'patch', 'master', 'main', 'head']);
const DOWNLOADERS = new Set(['curl', 'wget']);
const INTERPRETERS = /^(?:sh|bash|zsh|dash|ksh|ash|fish|python[0-9.]*|node|perl|ruby|pwsh)$/;

/** A requirement that names the repository's own code (a path, an archive, a wheel) rather than an index package. */
function isLocalRequirement(requirement: string): boolean {
  return /^(?:\.{1,2}(?:[/[]|$)|\/|~|file:)/.test(requirement) || (!requirement.includes('://') && (requirement.includes('/') || /\.(?:whl|tar\.gz|zip)$/.test(requirement)));
}

function pipInstallProblem(args: readonly ShellWord[]): string | undefined {
  if (hasOption(args, ['--require-hashes'])) return undefined;
  const requirementFiles = args.flatMap((word, index) => {
    if (word.text === '-r' || word.text === '--requirement') return args[index + 1] ? [args[index + 1]!.text] : [];
    if (word.text.startsWith('--requirement=')) return [word.text.slice('--requirement='.length)];
    if (/^-r\S/.test(word.text)) return [word.text.slice(2)];
    return [];
  });
  if (requirementFiles.length > 0) return `pip install -r ${requirementFiles.join(' -r ')} without --require-hashes accepts whatever artifact the index serves for those versions`;
  const editables = args.flatMap((word, index) => (word.text === '-e' || word.text === '--editable' ? (args[index + 1] ? [args[index + 1]!] : []) : []));
  const named = [...positionals(args, PIP_VALUE_OPTIONS), ...editables].filter((word) => !word.dynamic && !isLocalRequirement(word.text)).map((word) => word.text);
  if (named.length === 0) return undefined;
  return `pip install ${named.join(' ')} installs by name, without a lock or hashes, whatever the index serves today`;
}

function exactToolProblem(tool: string, spec: ShellWord | undefined, exact: RegExp, example: string): string | undefined {
  if (spec === undefined || spec.dynamic || exact.test(spec.text)) return undefined;
  return `${tool} ${spec.text} fetches and runs whatever version is newest at run time; pin it (${example})`;
}

function npxProblem(tool: string, args: readonly ShellWord[], env: ReadonlyMap<string, string>): string | undefined {
  // --no (--no-install) and --offline never download: they run what the lockfile installed.
  if (hasOption(args, ['--no', '--no-install', '--offline'])) return undefined;
  const packages = args.flatMap((word, index) => {
    if (word.text === '-p' || word.text === '--package') return args[index + 1] ? [args[index + 1]!] : [];
    if (word.text.startsWith('--package=')) return [{ ...word, text: word.text.slice('--package='.length) }];
    return [];
  });
  const specs = (packages.length > 0 ? packages : positionals(args, NPX_VALUE_OPTIONS).slice(0, 1)).map((word) => {
    const resolved = resolvedText(word, env);
    // A spec still made of expansions after env: is resolved is not known here, so it is not judged.
    return resolved === word.text && word.dynamic ? undefined : resolved;
  });
  const loose = specs.find((spec): spec is string => spec !== undefined && !EXACT_NPM_SPEC.test(spec));
  if (loose === undefined) return undefined;
  return `${tool} ${loose} downloads and runs the newest ${loose.replace(/(?!^)@.*$/, '')} when it is not installed locally; pin an exact version (name@X.Y.Z) or run a locked dev dependency with ${tool} --no`;
}

/** Why a command installs or runs a package outside a lockfile, or undefined. */
function adHocInstall(invocation: Invocation, env: ReadonlyMap<string, string>): string | undefined {
  const { program, args } = invocation;
  const words = positionals(args, program === 'npm' ? NPM_VALUE_OPTIONS : undefined);
  const sub = words[0]?.text;
  const after = (word: ShellWord | undefined) => (word === undefined ? [] : args.slice(args.indexOf(word) + 1));
  if (PIP.test(program) && sub === 'install') return pipInstallProblem(after(words[0]));
  switch (program) {
    case 'uv':
      if (sub === 'pip' && words[1]?.text === 'install') return pipInstallProblem(after(words[1]));
      if (sub === 'sync' && !hasOption(args, ['--locked', '--frozen'])) return 'uv sync without --locked (or --frozen) may resolve again and install something other than uv.lock';
      if (sub === 'tool' && (words[1]?.text === 'install' || words[1]?.text === 'run')) return exactToolProblem(`uv tool ${words[1]!.text}`, words[2], EXACT_PYTHON_SPEC, 'name==X.Y.Z');
      return undefined;
    case 'uvx':
      return exactToolProblem('uvx', optionValue(args, ['--from']) ?? words[0], EXACT_PYTHON_SPEC, 'name@X.Y.Z');
    case 'pipx':
      if (sub === 'install' || sub === 'run') return exactToolProblem(`pipx ${sub}`, optionValue(args, ['--spec']) ?? words[1], EXACT_PYTHON_SPEC, 'name==X.Y.Z');
      return undefined;
    case 'npm': {
      if (sub === 'exec' || sub === 'x') return npxProblem('npm exec', after(words[0]), env);
      if (sub === undefined || !NPM_INSTALL.has(sub)) return undefined;
      const targets = words.slice(1);
      const global = hasOption(args, ['-g', '--global']);
      if (global && targets.length > 0 && targets.every((target) => EXACT_NPM_SPEC.test(target.text))) return undefined;
      if (targets.length === 0) return `npm ${sub} resolves dependencies again and may rewrite package-lock.json; CI installs exactly the lockfile with npm ci`;
      return `npm ${sub} ${targets.map((target) => target.text).join(' ')} adds packages by name at whatever version the registry serves today`;
    }
    case 'npx':
    case 'bunx':
    case 'pnpx':
      return npxProblem(program, args, env);
    case 'yarn':
    case 'pnpm':
    case 'bun': {
      const adding = sub === 'add' || (sub === 'global' && words[1]?.text === 'add');
      if (adding) return `${program} ${words.map((word) => word.text).join(' ')} adds packages by name at whatever version the registry serves today`;
      if (sub === 'dlx' || (program === 'bun' && sub === 'x')) return npxProblem(`${program} ${sub}`, after(words[0]), env);
      return undefined;
    }
    case 'go': {
      if (sub !== 'install' && sub !== 'run' && sub !== 'get') return undefined;
      for (const word of words.slice(1)) {
        const module = resolvedText(word, env);
        const version = module.includes('@') ? module.slice(module.lastIndexOf('@') + 1) : undefined;
        if (version !== undefined && MUTABLE_GO_VERSIONS.has(version.toLowerCase())) return `go ${sub} ${module} fetches whatever @${version} points to at run time; pin a released version (@vX.Y.Z)`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A download piped or substituted into an interpreter: `curl … | sh`, `bash <(curl …)`, `sh -c "$(wget -O- …)"`, `eval "$(curl …)"`. */
function remoteScript(script: RunScript, command: ShellCommand, invocation: Invocation): string | undefined {
  if (DOWNLOADERS.has(invocation.program)) {
    const later = pipelineOf(script.commands, command).filter((other) => other.start > command.start);
    const interpreter = later.map((other) => invocationOf(other)).find((other) => other !== undefined && INTERPRETERS.test(other.program));
    if (interpreter) return `${invocation.program} output is piped into ${interpreter.program}: a script fetched at run time runs unverified`;
  }
  if (INTERPRETERS.test(invocation.program) || ['eval', 'source', '.'].includes(invocation.program)) {
    for (const word of invocation.args) {
      for (const substitution of word.substitutions) {
        const fetched = substitution.map((inner) => invocationOf(inner)).find((inner) => inner !== undefined && DOWNLOADERS.has(inner.program));
        if (fetched) return `${invocation.program} runs what ${fetched.program} downloads at run time, unverified`;
      }
    }
  }
  return undefined;
}

const ci16: WorkflowCheck = {
  controlId: 'CI-16',
  docs:
    'Flags run: commands that install or run packages outside a lockfile: pip install of named packages or of -r files without --require-hashes (also python -m pip and uv pip), uv sync without --locked/--frozen, ' +
    'npm install/i/add (npm ci is the lockfile install; npm i -g name@X.Y.Z is accepted), yarn/pnpm/bun add, npx/npm exec/bunx/pnpm dlx/yarn dlx of a package without an exact name@X.Y.Z (unless --no/--offline), ' +
    'uvx/pipx/uv tool of a package without an exact version, go install/run/get …@latest (or @master, @main, @upgrade, @patch), and a download run unverified (curl or wget piped into a shell or interpreter, or substituted into sh/bash/eval/source). ' +
    'Installing the repository\'s own project (pip install -e ., pip install ./api) is not flagged: it installs the ranges the project declares, and whether a lock exists for them is not visible in the workflow.',
  fix: 'Install from lockfiles (`npm ci`, `uv sync --locked`, `pip install --require-hashes -r requirements.txt`), pin tools to exact versions (`npx tool@1.2.3`, `go install mod@v1.2.3`), and download installers to a file, verify their checksum, then run them.',
  run(workflow, report) {
    for (const script of runScriptsOf(workflow)) {
      for (const command of script.commands) {
        const invocation = invocationOf(command);
        if (invocation === undefined) continue;
        const problem = adHocInstall(invocation, script.env) ?? remoteScript(script, command, invocation);
        if (problem) report(commandLocation(script, command), `job ${script.step.job.id}: ${problem}`);
      }
    }
  },
};

const ci17: WorkflowCheck = {
  controlId: 'CI-17',
  docs:
    'In a repository with workflows, flags a missing zizmor gate (zizmorcore/zizmor-action or the zizmor command), a missing actionlint gate (rhysd/actionlint, raven-actions/actionlint, reviewdog/action-actionlint, ' +
    'the actionlint command or `go run …/actionlint@v…`), a missing hadolint gate when the repository has a Dockerfile (hadolint/hadolint-action, the hadolint command or image), and a missing SECURITY.md (at the root, in .github/ or in docs/). ' +
    'A step with continue-on-error: true is not a gate. Also flags a repository where no workflow runs the OpenSSF Scorecard (ossf/scorecard-action); how often it runs is not checked.',
  fix: 'Run zizmor (SARIF to code scanning), actionlint and, for Dockerfiles, hadolint as failing steps of the CI workflow, run ossf/scorecard-action weekly, and add a SECURITY.md that says how to report a vulnerability.',
  finishRepository(repository, report) {
    const linters = new Set(repository.facts.flatMap((facts) => [...facts.linters]));
    const wanted: Array<[string, string]> = [
      ['zizmor', 'no zizmor gate audits the workflows (template injection, excessive permissions, unpinned actions…)'],
      ['actionlint', 'no actionlint gate checks the workflows and their run: scripts'],
      ['scorecard', 'no workflow runs the OpenSSF Scorecard (ossf/scorecard-action), so supply-chain regressions go unnoticed'],
    ];
    if (repository.hasDockerfiles) wanted.push(['hadolint', 'no hadolint gate lints the Dockerfiles']);
    for (const [linter, message] of wanted) if (!linters.has(linter)) report(repository.firstWorkflow, message);
    const policy = repository.paths.some((path) => /^(?:\.github\/|docs\/)?security\.(?:md|markdown|rst|adoc|txt)$/i.test(path.slice(repository.root.length)));
    if (!policy) report(repository.firstWorkflow, 'no SECURITY.md (root, .github/ or docs/): reporters have no private way to disclose a vulnerability');
  },
};

const CHECKS: readonly WorkflowCheck[] = [ci01, ci02, ci03, ci04, ci05, ci06, ci07, ci08, ci09, ci10, ci11, ci12, ci14, ci16, ci17];

function scanWorkflow(file: SourceFile, emit: Emitter): void {
  const workflow = parseYamlMapping(file, emit, 'a workflow');
  if (workflow === undefined) return;
  for (const check of CHECKS) {
    check.run?.(workflow, (location, message) => emit.finding(check.controlId, location, message));
  }
  FACTS.set(file, factsOf(workflow));
  for (const script of runScriptsOf(workflow)) {
    const [first, ...more] = script.errors;
    if (first === undefined || !script.posix) continue;
    const others = more.length === 0 ? '' : ` and ${more.length} other line${more.length === 1 ? '' : 's'}`;
    emit.note({ ...script.locate(first.offset, 1), message: `run: script of job ${script.step.job.id} not parsed as shell here (${first.message}): the commands of this line${others} are not checked` });
  }
}

function finishWorkflows(files: readonly SourceFile[], emit: Emitter, repository: RepositoryView): void {
  const silent: Emitter = { finding: () => undefined, note: () => undefined };
  const factsByPath = new Map<string, WorkflowFacts>();
  for (const file of files) {
    if (!isWorkflowPath(file.path)) continue;
    let facts = FACTS.get(file);
    if (facts === undefined) {
      const workflow = parseYamlMapping(file, silent, 'a workflow');
      if (workflow !== undefined) facts = factsOf(workflow);
    }
    if (facts !== undefined) factsByPath.set(file.path, facts);
  }
  for (const { root, workflows, firstWorkflow, paths } of workflowRoots(repository.paths)) {
    const scope: RepositoryScope = {
      root,
      firstWorkflow,
      facts: workflows.map((path) => factsByPath.get(path)).filter((facts): facts is WorkflowFacts => facts !== undefined),
      paths,
      hasDockerfiles: paths.some(isDockerfilePath),
      hasCompose: paths.some(isComposePath),
    };
    for (const check of CHECKS) {
      check.finishRepository?.(scope, (location, message) => emit.finding(check.controlId, location, message));
    }
  }
}

export const githubWorkflowFamily: CheckFamily = {
  id: 'github-workflows',
  title: 'GitHub Actions workflows',
  checks: CHECKS.map(({ controlId, docs, fix }) => ({ controlId, docs, fix })),
  selects: isWorkflowPath,
  scan: scanWorkflow,
  finish: finishWorkflows,
};
