/**
 * GitHub Actions workflows: a top-level `permissions:` when there is none (CI-01) and
 * `persist-credentials: false` on every actions/checkout step that does not set it (CI-03). Both are
 * inserted, never changed: an existing permissions block or persist-credentials value is the user's.
 *
 * Top-level permissions: `{}` when every job declares its own (nothing changes for any job), else
 * `contents: read`, which keeps checkout working for the jobs that relied on the default token; the
 * summary names those jobs for review. A checkout in a job that pushes (a `git push` in a run: step, or a
 * known push action) is left alone: it needs its credentials.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import { lineStart, type EditResult, type Insertion } from './text.js';
import { appendToMap, finishYamlEdit, hasKey, indentStep, isBlockMap, linesAt, pairIn, parseYamlForEdit, resolve, scalarText, type ParsedYaml } from './yaml-splice.js';

const PUSHING_ACTIONS = ['stefanzweifel/git-auto-commit-action', 'ad-m/github-push-action', 'peter-evans/create-pull-request', 'EndBug/add-and-commit'];

export function editWorkflow(text: string): EditResult {
  const yaml = parseYamlForEdit(text);
  if ('error' in yaml) return { kind: 'unsafe', reason: `YAML does not parse: ${yaml.error}` };
  const root = yaml.document.contents;
  if (!isBlockMap(root)) return { kind: 'unsafe', reason: 'the top level is not a block mapping' };
  const jobsPair = pairIn(yaml, root, 'jobs');
  const jobs = resolve(yaml, jobsPair?.value);
  if (jobsPair === undefined || !isMap(jobs)) return { kind: 'unsafe', reason: 'no jobs: mapping' };
  const step = indentStep(yaml, jobsPair.key, jobs);
  const insertions: Insertion[] = [];
  const changes: string[] = [];
  const notes: string[] = [];

  if (pairIn(yaml, root, 'permissions') === undefined) {
    const withoutOwn = jobs.items.filter((job) => !hasKey(yaml, resolve(yaml, job.value), 'permissions')).map((job) => jobName(job.key));
    const lines = withoutOwn.length === 0 ? ['permissions: {}'] : ['permissions:', `${' '.repeat(step)}contents: read`];
    insertions.push(linesAt(yaml, beforeLeadingComments(yaml, (jobsPair.key as { range: [number, number, number] }).range[0]), [...lines, '']));
    changes.push(
      withoutOwn.length === 0
        ? 'added top-level permissions: {} (every job declares its own)'
        : `added top-level permissions: contents: read (review jobs without their own permissions: ${withoutOwn.join(', ')})`,
    );
  }

  for (const job of jobs.items) {
    const jobMap = resolve(yaml, job.value);
    const steps = resolve(yaml, pairIn(yaml, jobMap, 'steps')?.value);
    if (!isSeq(steps)) continue;
    const stepMaps = steps.items.map((item) => resolve(yaml, item));
    const pushes = stepMaps.some((stepMap) => {
      const run = scalarText(yaml, pairIn(yaml, stepMap, 'run')?.value) ?? '';
      const uses = scalarText(yaml, pairIn(yaml, stepMap, 'uses')?.value) ?? '';
      return /\bgit\s+push\b/.test(run) || PUSHING_ACTIONS.some((action) => uses.startsWith(`${action}@`));
    });
    for (const stepMap of stepMaps) {
      const uses = scalarText(yaml, pairIn(yaml, stepMap, 'uses')?.value)?.trim() ?? '';
      if (!/^actions\/checkout(?:@|$)/.test(uses)) continue;
      const withPair = pairIn(yaml, stepMap, 'with');
      const withMap = resolve(yaml, withPair?.value);
      if (pairIn(yaml, withMap, 'persist-credentials') !== undefined) continue;
      if (pushes) {
        notes.push(`job ${jobName(job.key)} pushes: its checkout keeps persist-credentials (pass a token to the pushing step instead)`);
        continue;
      }
      if (withPair !== undefined) {
        const place = isMap(withMap) ? appendToMap(yaml, withMap) : undefined;
        if (place === undefined) {
          notes.push(`job ${jobName(job.key)}: the checkout's with: is not a block mapping, not edited`);
          continue;
        }
        insertions.push(linesAt(yaml, place.offset, [`${place.indent}persist-credentials: false`]));
      } else {
        const place = appendToMap(yaml, stepMap);
        if (place === undefined) {
          notes.push(`job ${jobName(job.key)}: the checkout step is not a block mapping, not edited`);
          continue;
        }
        insertions.push(linesAt(yaml, place.offset, [`${place.indent}with:`, `${place.indent}${' '.repeat(step)}persist-credentials: false`]));
      }
      changes.push(`job ${jobName(job.key)}: checkout persist-credentials: false`);
    }
  }
  return finishYamlEdit(text, insertions, changes, notes);
}

function jobName(key: unknown): string {
  return isScalar(key) ? String(key.value) : '?';
}

/** The start of the comment lines directly above `offset`'s line (they describe what follows them). */
function beforeLeadingComments(yaml: ParsedYaml, offset: number): number {
  let start = lineStart(yaml.text, offset);
  while (start > 0) {
    const previous = lineStart(yaml.text, start - 1);
    if (!yaml.text.slice(previous, start).trimStart().startsWith('#')) break;
    start = previous;
  }
  return start;
}
