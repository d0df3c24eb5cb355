/**
 * Detection for the generated api (OPS-05): the Prometheus alert rules under api/ops/prometheus are valid
 * (`promtool check rules`), their own unit tests pass (`promtool test rules`: each alert fires on its attack
 * pattern and stays quiet on normal traffic), and those tests can fail: raising any alert's threshold out of
 * reach, or lowering it below zero, makes them fail. The counters the rules read come from the real api: a
 * generated service driven through attack traffic serves a /metrics scrape that `promtool check metrics`
 * accepts, and replayed as series, it fires exactly the alerts of that traffic.
 */
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { makeTempDir, removeDir } from '../../support/cli.js';
import { generateProject, type GeneratedProject } from '../../support/project.js';
import { skipOrFail } from '../../support/tools.js';

const PROMTOOL = 'promtool';
const PYTHON = '/usr/bin/python3';
const SCRAPE_SCRIPT = fileURLToPath(new URL('./metrics_scrape.py', import.meta.url));
const CLEAN_ENV = { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8' };
const RULES = 'api/ops/prometheus/alerts.rules.yml';
const RULE_TESTS = 'api/ops/prometheus/alerts.test.yml';
/** The generated alert rules, sorted by name. */
const API_ALERTS = [
  'ApiAuthnFailureBurstForSubject',
  'ApiAuthnFailureBurstFromClient',
  'ApiAuthzFailureSpikeForSubject',
  'ApiDatabasePermissionDenied',
  'ApiForgedTokenBurst',
  'ApiHigh5xxRatio',
  'ApiPrivilegedDatabaseRole',
  'ApiRateLimitedClient',
];

interface Rule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}
interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: Array<{ exp_labels: Record<string, string> }>;
}
interface TestFile {
  rule_files: string[];
  tests: Array<{ name: string; input_series: Array<{ series: string; values: string }>; alert_rule_test?: AlertCase[] }>;
}

async function promtoolMissing(): Promise<string | undefined> {
  const probe = await execa(PROMTOOL, ['--version'], { reject: false });
  return probe.exitCode === 0 ? undefined : 'promtool is missing (apt-get install prometheus)';
}

async function promtool(args: string[], cwd: string): Promise<{ exitCode: number; output: string }> {
  const result = await execa(PROMTOOL, args, { cwd, reject: false, all: true, timeout: 60_000 });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}

/** The comparison that ends an alert's expression: `<query> >= 10`. */
const THRESHOLD = /(>=|>)\s*([0-9.]+)\s*$/;

function ruleList(text: string): Rule[] {
  return (parse(text) as RuleFile).groups.flatMap((group) => group.rules);
}

/** One sample line of the text exposition format: name, {labels}, value. */
function exposedSeries(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

describe('the api alert rules (promtool)', () => {
  let project: GeneratedProject;
  let missing: string | undefined;
  let rulesDir: string;

  beforeAll(async () => {
    project = await generateProject({ projectName: 'demo-app', layers: ['api'], multiTenant: true });
    rulesDir = path.join(project.dir, path.dirname(RULES));
    missing = await promtoolMissing();
  });
  afterAll(() => {
    if (project) removeDir(project.dir);
  });

  it('are generated with their tests and a README that says how to scrape and how to map them elsewhere', () => {
    const files = project.project.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining([RULES, RULE_TESTS, 'api/ops/README.md', 'api/app/security/metrics.py', 'api/app/routes/metrics.py']));
    const readme = readFileSync(path.join(project.dir, 'api/ops/README.md'), 'utf8');
    for (const heading of ['## Scraping /metrics', '## The alerts', '## Mapping the rules to another system']) expect(readme).toContain(heading);
    for (const rule of ruleList(readFileSync(path.join(project.dir, RULES), 'utf8'))) expect(readme).toMatch(new RegExp(`^\\| ${rule.alert} +\\|`, 'm'));
  });

  it('cover every OPS-05 threshold the api can observe, each with a control label and a runbook', () => {
    const rules = ruleList(readFileSync(path.join(project.dir, RULES), 'utf8'));
    expect(rules.map((rule) => rule.alert).sort()).toEqual(API_ALERTS);
    for (const rule of rules) {
      expect(rule.labels.control).toBe('OPS-05');
      expect(['page', 'ticket']).toContain(rule.labels.severity);
      expect(rule.expr).toMatch(THRESHOLD);
    }
    const forged = rules.find((rule) => rule.alert === 'ApiForgedTokenBurst')!;
    for (const reason of ['bad_signature', 'alg_not_allowed', 'unknown_kid']) expect(forged.expr).toContain(reason);
    expect(forged.labels.severity).toBe('page');
  });

  it('each alert has a case where it fires and a case where normal traffic leaves it quiet', () => {
    const tests = parse(readFileSync(path.join(project.dir, RULE_TESTS), 'utf8')) as TestFile;
    expect(tests.rule_files).toEqual(['alerts.rules.yml']);
    for (const rule of ruleList(readFileSync(path.join(project.dir, RULES), 'utf8'))) {
      const cases = tests.tests.flatMap((group) => (group.alert_rule_test ?? []).filter((test) => test.alertname === rule.alert).map((test) => ({ group, test })));
      const firing = cases.filter(({ test }) => (test.exp_alerts ?? []).length > 0);
      expect(firing.length, rule.alert).toBeGreaterThan(0);
      // Quiet: a case expecting no alert, or a firing case whose group also holds a normal series of the same
      // counter that the expected alerts leave out (promtool compares the whole set of firing alerts).
      const quietCase = cases.some(({ test }) => (test.exp_alerts ?? []).length === 0);
      const quietSeries = firing.some(({ group, test }) => {
        const expected = (test.exp_alerts ?? []).map((alert) => alert.exp_labels);
        return group.input_series.some((input) => !expected.some((labels) => Object.values(labels).every((value) => input.series.includes(`"${value}"`) || ['page', 'ticket', 'OPS-05'].includes(value))));
      });
      expect(quietCase || quietSeries, `${rule.alert} has no quiet case`).toBe(true);
    }
  });

  it('pass promtool check rules and promtool test rules', async (context) => {
    if (missing) return skipOrFail(context, missing);
    const checked = await promtool(['check', 'rules', 'alerts.rules.yml'], rulesDir);
    expect(checked.exitCode, checked.output).toBe(0);
    expect(checked.output).toContain('SUCCESS: 8 rules found');
    const tested = await promtool(['test', 'rules', 'alerts.test.yml'], rulesDir);
    expect(tested.exitCode, tested.output).toBe(0);
    expect(tested.output).toContain('SUCCESS');
  });

  it('their tests fail when any alert is made unable to fire or made to fire on everything', async (context) => {
    if (missing) return skipOrFail(context, missing);
    const original = readFileSync(path.join(project.dir, RULES), 'utf8');
    const work = makeTempDir('secure-stack-rules-');
    try {
      writeFileSync(path.join(work, 'alerts.test.yml'), readFileSync(path.join(project.dir, RULE_TESTS)));
      for (const target of ruleList(original)) {
        for (const mutation of ['unreachable', 'always'] as const) {
          const file = parse(original) as RuleFile;
          for (const rule of file.groups.flatMap((group) => group.rules)) {
            if (rule.alert !== target.alert) continue;
            rule.expr = rule.expr.replace(THRESHOLD, (_, op: string, value: string) => `${op} ${mutation === 'unreachable' ? Number(value) * 1000 + 1000 : -1}`);
          }
          writeFileSync(path.join(work, 'alerts.rules.yml'), stringify(file));
          const result = await promtool(['test', 'rules', 'alerts.test.yml'], work);
          expect(result.exitCode, `${target.alert} ${mutation}: the tests still pass`).not.toBe(0);
          expect(result.output).toContain(`alertname: ${target.alert}`);
        }
      }
    } finally {
      removeDir(work);
    }
  }, 60_000);
});

describe('the api counters behind the rules', () => {
  let project: GeneratedProject;
  let missing: string | undefined;

  beforeAll(async () => {
    project = await generateProject({ projectName: 'demo-app', layers: ['api'], multiTenant: true });
    missing = await promtoolMissing();
    if (missing === undefined && !existsSync(PYTHON)) missing = `${PYTHON} is missing`;
  });
  afterAll(() => {
    if (project) removeDir(project.dir);
  });

  it('a real scrape after attack traffic is valid exposition format and fires exactly the alerts of that traffic', async (context) => {
    if (missing) return skipOrFail(context, missing);
    const apiDir = path.join(project.dir, 'api');
    const run = await execa(PYTHON, [SCRAPE_SCRIPT], { cwd: apiDir, env: { ...CLEAN_ENV, PYTHONPATH: '.' }, extendEnv: false, reject: false, timeout: 60_000 });
    if (run.exitCode !== 0 && /ModuleNotFoundError/.test(run.stderr)) return skipOrFail(context, `Debian's Python packages are missing: ${run.stderr.split('\n').at(-2) ?? ''}`);
    expect(run.exitCode, run.stderr.slice(-3000)).toBe(0);
    const { before, after } = JSON.parse(run.stdout) as { before: string; after: string };

    for (const text of [before, after]) {
      const lint = await execa(PROMTOOL, ['check', 'metrics'], { input: text, reject: false, all: true });
      expect(lint.exitCode, String(lint.all)).toBe(0);
    }

    // Replay the two scrapes as series a minute apart (a series new in the second scrape counts from 0, as it
    // did in the process), then ask Prometheus's rule engine which alerts fire.
    const earlier = exposedSeries(before);
    const inputSeries = [...exposedSeries(after)].map(([series, value]) => ({ series, values: `${earlier.get(series) ?? 0} ${value}x10` }));
    const work = makeTempDir('secure-stack-scrape-');
    try {
      writeFileSync(path.join(work, 'alerts.rules.yml'), readFileSync(path.join(project.dir, RULES)));
      // Every alert but two: the scrape's traffic neither runs as a privileged database role nor gets a client rate-limited.
      const firing = API_ALERTS.filter((alert) => alert !== 'ApiPrivilegedDatabaseRole' && alert !== 'ApiRateLimitedClient');
      const test = {
        rule_files: ['alerts.rules.yml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: inputSeries,
            promql_expr_test: [
              {
                expr: 'count by (alertname) (ALERTS{alertstate="firing"})',
                eval_time: '3m',
                exp_samples: firing.map((alertname) => ({ labels: `{alertname="${alertname}"}`, value: 1 })),
              },
            ],
          },
        ],
      };
      writeFileSync(path.join(work, 'scrape.test.yml'), stringify(test));
      const result = await promtool(['test', 'rules', 'scrape.test.yml'], work);
      expect(result.exitCode, result.output).toBe(0);
    } finally {
      removeDir(work);
    }
  }, 90_000);
});
