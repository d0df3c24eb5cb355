/**
 * GitHub Actions workflows (`.github/workflows/*.yml|yaml`), parsed with `yaml` and located with its
 * LineCounter: CI-01, CI-02, CI-03, CI-04, CI-05 and CI-08. Nothing in a workflow is ever run.
 */
import { isMap, isScalar, isSeq, visit, type Node } from 'yaml';
import type { Location } from '../finding.js';
import type { CheckFamily, CheckSpec, Emitter, SourceFile } from '../registry.js';
import { at, deref, nodeAt, pairOf, parseYamlMapping, text, valueOf, type YamlFile } from '../yaml-nodes.js';

const WORKFLOW_PATH = /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/;
const FULL_SHA = /^[0-9a-f]{40}$/;
const IMAGE_DIGEST = /@sha256:[0-9a-f]{64}$/;

type Workflow = YamlFile;

interface WorkflowCheck extends CheckSpec {
  run(workflow: Workflow, report: (location: Location, message: string) => void): void;
}

// ---- YAML helpers -------------------------------------------------------------------------------







/** Source text of a node, with its start offset: expressions are found in what was written. */
function sourceOf(workflow: Workflow, node: unknown): { source: string; start: number } | undefined {
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  return { source: workflow.file.text.slice(range[0], range[1]), start: range[0] };
}

interface Job {
  name: string;
  node: unknown;
}

interface Step {
  job: string;
  node: unknown;
  uses?: { value: string; node: unknown };
}

function jobsOf(workflow: Workflow): Job[] {
  const jobs = valueOf(workflow, workflow.root, 'jobs');
  if (!isMap(jobs)) return [];
  return jobs.items.map((pair) => ({ name: String(isScalar(pair.key) ? pair.key.value : '?'), node: deref(workflow, pair.value) }));
}

function stepsOf(workflow: Workflow): Step[] {
  const steps: Step[] = [];
  for (const job of jobsOf(workflow)) {
    const list = valueOf(workflow, job.node, 'steps');
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const node = deref(workflow, item);
      const usesNode = valueOf(workflow, node, 'uses');
      const uses = text(usesNode);
      steps.push({ job: job.name, node, ...(uses === undefined ? {} : { uses: { value: uses.trim(), node: usesNode } }) });
    }
  }
  return steps;
}

function isAction(uses: string, name: string): boolean {
  return uses.toLowerCase().startsWith(`${name}@`);
}

function triggersOf(workflow: Workflow): string[] {
  const on = valueOf(workflow, workflow.root, 'on');
  if (isScalar(on)) return text(on) === undefined ? [] : [text(on)!];
  if (isSeq(on)) return on.items.map((item) => text(deref(workflow, item))).filter((value): value is string => value !== undefined);
  if (isMap(on)) return on.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : '')).filter(Boolean);
  return [];
}

/** Every `${{ … }}` in a node's source, with the offset of its start. */
function expressionsIn(workflow: Workflow, node: unknown): Array<{ expression: string; offset: number }> {
  const located = sourceOf(workflow, node);
  if (!located) return [];
  const found: Array<{ expression: string; offset: number }> = [];
  for (const match of located.source.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
    found.push({ expression: match[1]!.trim(), offset: located.start + match.index });
  }
  return found;
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
      if (text(jobPermissions) === 'write-all') report(nodeAt(workflow, jobPermissions), `job ${job.name} has permissions: write-all`);
    }
  },
};

const ci02: WorkflowCheck = {
  controlId: 'CI-02',
  docs: 'Flags every remote uses: (step actions and reusable workflows) whose ref is not a full 40-hex commit SHA, and docker:// actions not pinned by sha256 digest. Local ./ actions are fine.',
  fix: 'Pin the action to a full commit SHA with the version in a comment: `uses: owner/repo@<40-hex sha> # vX.Y.Z`.',
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
        `checkout in job ${step.job} keeps the token in .git/config (persist-credentials is ${setting === undefined ? 'not set' : JSON.stringify(text(setting) ?? null)})`,
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
    const dangerous = triggersOf(workflow).filter((trigger) => trigger === 'pull_request_target' || trigger === 'workflow_run');
    if (dangerous.length === 0) return;
    const trigger = dangerous.join(', ');
    for (const step of stepsOf(workflow)) {
      if (step.uses && isAction(step.uses.value, 'actions/checkout')) {
        const withNode = valueOf(workflow, step.node, 'with');
        for (const key of ['ref', 'repository']) {
          const node = valueOf(workflow, withNode, key);
          const value = text(node);
          if (value !== undefined && PR_HEAD.test(value)) {
            report(nodeAt(workflow, node), `job ${step.job} checks out pull request code (${key}: ${value.trim()}) in a ${trigger} workflow, which runs with secrets and a write token`);
          }
        }
      }
      const run = valueOf(workflow, step.node, 'run');
      const script = text(run);
      if (script !== undefined && (/\bgh\s+pr\s+checkout\b/.test(script) || PR_HEAD.test(script))) {
        report(nodeAt(workflow, run), `job ${step.job} fetches or checks out pull request code in a run: script of a ${trigger} workflow`);
      }
    }
  },
};

const UNTRUSTED = /\bgithub\.event(?![\w-])|\bgithub\.head_ref\b|\binputs\s*[.[]/;

const ci05: WorkflowCheck = {
  controlId: 'CI-05',
  docs: 'Flags ${{ … }} expressions that read github.event.*, github.head_ref or inputs.* inside a run: script or an actions/github-script script:.',
  fix: 'Pass the value through `env:` (e.g. `env: { TITLE: ${{ github.event.issue.title }} }`) and use "$TITLE" in the script.',
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
            report(at(workflow, offset), `\${{ ${expression} }} is expanded into the ${key}: script of job ${step.job} before the shell sees it (script injection)`);
          }
        }
      }
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
      if (text(secrets) === 'inherit') report(nodeAt(workflow, secrets), `job ${job.name} passes every secret to the reusable workflow (secrets: inherit)`);
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

const CHECKS: readonly WorkflowCheck[] = [ci01, ci02, ci03, ci04, ci05, ci08];

export function isWorkflowPath(path: string): boolean {
  return WORKFLOW_PATH.test(path);
}

function scanWorkflow(file: SourceFile, emit: Emitter): void {
  const workflow = parseYamlMapping(file, emit, 'a workflow');
  if (workflow === undefined) return;
  for (const check of CHECKS) {
    check.run(workflow, (location, message) => emit.finding(check.controlId, location, message));
  }
}

export const githubWorkflowFamily: CheckFamily = {
  id: 'github-workflows',
  title: 'GitHub Actions workflows',
  checks: CHECKS,
  selects: isWorkflowPath,
  scan: scanWorkflow,
};
