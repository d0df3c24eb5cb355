#!/usr/bin/env node
/**
 * `npm run bench` (issue 10): whole-process wall times, medians of interleaved runs after a warm-up each, on
 * this machine, side by side with the peers users compare us with:
 *   - create: `secure-stack new <name> --yes --no-git --no-install` (full stack) vs create-t3-app with every
 *     option (`--CI --noGit --noInstall`, tailwind, tRPC, Prisma, NextAuth.js, ESLint, App Router, PostgreSQL)
 *     and create-next-app (`--skip-install --disable-git --yes`); target: ours <= 0.5x create-t3-app;
 *   - start-up: `secure-stack --help` vs `node -e 0`; target <= 1.5x;
 *   - check: on a generated stack and on a synthetic 10,000-file repository (bench/check.mjs); target <= 2 s;
 *   - upgrade: `upgrade --yes --set securityContact=…` of a generated, committed repository; target <= 1 s;
 *   - the generated stack's own costs (auth, RLS): bench/stack.mjs when it exists, its JSON merged in.
 * The peers are installed once into a cache directory (npm, exact versions) and their bins run with node
 * directly, so no network is timed. Prints the medians, files written and ratios; writes
 * bench/results/bench.json. Needs `npm run build` first (the npm script does it).
 *
 *   node bench/run.mjs [--runs N] [--files N] [--no-stack] [--no-peers] [--peers-cache DIR]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CHECK_TARGET_SECONDS, benchmarkCheck } from './check.mjs';
import { REPO_ROOT, SECURE_STACK_BIN, compare, machine, makeTempDir, removeDir, seconds, timeProcess } from './lib.mjs';

const PEERS = {
  't3': {
    pkg: 'create-t3-app',
    version: '7.40.0',
    // Every option create-t3-app offers, one of each alternative (Prisma, not Drizzle; NextAuth.js, not Better Auth; ESLint, not Biome).
    args: (name) => [name, '--CI', '--noGit', '--noInstall', '--tailwind', 'true', '--trpc', 'true', '--prisma', 'true', '--nextAuth', 'true', '--eslint', 'true', '--appRouter', 'true', '--dbProvider', 'postgres'],
  },
  'next': { pkg: 'create-next-app', version: '16.4.3', args: (name) => [name, '--skip-install', '--disable-git', '--yes'] },
};

const TARGETS = { createVsT3: 0.5, helpVsNode: 1.5, checkSyntheticSeconds: CHECK_TARGET_SECONDS, upgradeSeconds: 1 };

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    files: { type: 'string', default: '10000' },
    'no-stack': { type: 'boolean', default: false },
    'no-peers': { type: 'boolean', default: false },
    'peers-cache': { type: 'string', default: path.join(tmpdir(), 'secure-stack-bench-peers') },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);

/** Installs `pkg@version` once into the cache (no lifecycle scripts) and returns the path of its bin script. */
function installPeer({ pkg, version }) {
  const prefix = path.join(values['peers-cache'], `${pkg}@${version}`);
  const packageDir = path.join(prefix, 'node_modules', pkg);
  if (!existsSync(path.join(packageDir, 'package.json'))) {
    mkdirSync(prefix, { recursive: true });
    console.log(`installing ${pkg}@${version} into ${prefix} (once)`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', `${pkg}@${version}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`npm install ${pkg}@${version} failed`);
  }
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[pkg] ?? Object.values(manifest.bin)[0];
  return path.join(packageDir, bin);
}

function countFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}

/** A contender that creates a project `name-N` in `work` per run: times the process only, counts and removes what it wrote. */
function creator(name, work, command, argsFor, env = process.env) {
  let count = 0;
  const files = [];
  return {
    name,
    files,
    run() {
      count += 1;
      const project = `${name}-${count}`;
      const { seconds: elapsed } = timeProcess(command, argsFor(project), { cwd: work, env });
      files.push(countFiles(path.join(work, project)));
      removeDir(path.join(work, project));
      return elapsed;
    },
  };
}

/**
 * Which files of the full stack this build still formats with prettier, and which templates it still compiles,
 * at run time: a template edited without running scripts/verify-preformatted-templates.mjs and
 * scripts/precompile-templates.mjs afterwards costs `new` the load of prettier or of the Handlebars compiler.
 */
async function preparedTemplates() {
  const dist = (file) => pathToFileURL(path.join(REPO_ROOT, 'dist', file)).href;
  const { renderProject } = await import(dist('pipeline/generate.js'));
  const { isFormatted } = await import(dist('format/format.js'));
  const { preformattedTemplates } = await import(dist('render/templates.js'));
  const precompiled = await import(pathToFileURL(path.join(REPO_ROOT, 'templates/precompiled.mjs')).href).catch(() => ({ templates: {} }));
  const answers = { projectName: 'app', layers: ['api', 'web', 'db', 'containers', 'ci', 'docs'], cloud: 'none', multiTenant: true, oidcIssuer: 'https://idp.example.com/', oidcAudience: 'app-api', securityContact: 'mailto:security@example.com' };
  const project = await renderProject({ answers, presets: [], generatedOn: '2026-01-01' }, 'none');
  const { asIs, tablesAligned } = preformattedTemplates();
  const vouched = (file) => asIs.get(file.template) === file.templateSha256 || tablesAligned.get(file.template) === file.templateSha256;
  const sha256 = (file) => createHash('sha256').update(readFileSync(path.join(REPO_ROOT, 'templates', file.template))).digest('hex');
  return {
    formattedAtRunTime: project.files.filter((file) => isFormatted(file.path) && !vouched(file)).map((file) => file.template),
    compiledAtRunTime: project.files.filter((file) => file.template.endsWith('.hbs') && precompiled.templates[file.template]?.sha256 !== sha256(file)).map((file) => file.template),
  };
}

const prepared = await preparedTemplates();
const work = makeTempDir('secure-stack-bench-');
const output = { benchmark: 'bench', date: new Date().toISOString(), machine: machine(), loadAverage: { before: loadavg() }, runs, targets: TARGETS, preparedTemplates: prepared };
try {
  // --- create ---------------------------------------------------------------------------------------------
  const quietEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', CI: '1', NO_COLOR: '1' };
  const creators = [creator('secure-stack', work, process.execPath, (name) => [SECURE_STACK_BIN, 'new', name, '--yes', '--no-git', '--no-install'])];
  if (!values['no-peers']) {
    for (const [id, peer] of Object.entries(PEERS)) {
      const bin = installPeer(peer);
      creators.push({ ...creator(`${id}`, work, process.execPath, (name) => [bin, ...peer.args(name)], quietEnv), peer: `${peer.pkg}@${peer.version}` });
    }
  }
  const created = compare(creators, runs);
  output.create = Object.fromEntries(
    creators.map((contender) => [
      contender.name,
      {
        ...(contender.peer ? { package: contender.peer } : {}),
        medianSeconds: created[contender.name].median,
        samples: created[contender.name].samples,
        filesWritten: Math.max(...contender.files),
      },
    ]),
  );
  if (output.create.t3) output.create.ratioVsT3 = output.create['secure-stack'].medianSeconds / output.create.t3.medianSeconds;
  if (output.create.next) output.create.ratioVsNext = output.create['secure-stack'].medianSeconds / output.create.next.medianSeconds;

  // --- start-up -------------------------------------------------------------------------------------------
  const startup = compare(
    [
      { name: 'help', run: () => timeProcess(process.execPath, [SECURE_STACK_BIN, '--help']).seconds },
      { name: 'node', run: () => timeProcess(process.execPath, ['-e', '0']).seconds },
    ],
    Math.max(runs, 10),
  );
  output.help = {
    medianSeconds: startup.help.median,
    samples: startup.help.samples,
    nodeMedianSeconds: startup.node.median,
    nodeSamples: startup.node.samples,
    ratioVsNode: startup.help.median / startup.node.median,
  };

  // --- upgrade --------------------------------------------------------------------------------------------
  const pristine = path.join(work, 'upgrade-pristine');
  timeProcess(process.execPath, [SECURE_STACK_BIN, 'new', 'upgrade-pristine', '--yes', '--no-git', '--no-install'], { cwd: work });
  const git = (...args) => timeProcess('git', args, { cwd: pristine });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'generated');
  let copies = 0;
  const upgrade = compare(
    [
      {
        name: 'upgrade',
        run() {
          copies += 1;
          const repo = path.join(work, `upgrade-${copies}`);
          cpSync(pristine, repo, { recursive: true });
          const { seconds: elapsed } = timeProcess(
            process.execPath,
            [SECURE_STACK_BIN, 'upgrade', '--yes', '--set', 'securityContact=mailto:security-team@example.org'],
            { cwd: repo },
          );
          removeDir(repo);
          return elapsed;
        },
      },
    ],
    runs,
  );
  output.upgrade = { what: 'upgrade --yes --set securityContact=… of a committed full stack (answers changed: a 3-way merge of every file)', medianSeconds: upgrade.upgrade.median, samples: upgrade.upgrade.samples };

  // --- check ----------------------------------------------------------------------------------------------
  output.check = benchmarkCheck({ runs, fileCount: Number(values.files) });
  output.loadAverage.after = loadavg();
} finally {
  removeDir(work);
}

// --- the generated stack (another script; its JSON merged as it is) -------------------------------------------
const stackScript = path.join(REPO_ROOT, 'bench/stack.mjs');
if (!values['no-stack'] && existsSync(stackScript)) {
  console.log('running bench/stack.mjs …');
  const result = spawnSync(process.execPath, [stackScript], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const stackJson = path.join(REPO_ROOT, 'bench/results/stack.json');
  output.stack = result.status === 0 && existsSync(stackJson) ? JSON.parse(readFileSync(stackJson, 'utf8')) : { status: 'failed', exitCode: result.status };
}

// --- report ---------------------------------------------------------------------------------------------------
const verdict = (met) => (met ? 'met' : 'MISSED');
const ratio = (value) => `${value.toFixed(2)}x`;
const ours = output.create['secure-stack'];
output.withinTargets = {
  ...(output.create.ratioVsT3 === undefined ? {} : { create: output.create.ratioVsT3 <= TARGETS.createVsT3 }),
  help: output.help.ratioVsNode <= TARGETS.helpVsNode,
  check: output.check.synthetic.withinTarget,
  upgrade: output.upgrade.medianSeconds <= TARGETS.upgradeSeconds,
};
const m = output.machine;
console.log(`\n${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}, ${m.platform}; load average ${output.loadAverage.before.map((l) => l.toFixed(2)).join(' ')}; medians of ${runs}\n`);
console.log(`new (full stack)        ${seconds(ours.medianSeconds)}  ${ours.filesWritten} files`);
for (const id of Object.keys(PEERS)) {
  const peer = output.create[id];
  if (peer) console.log(`${peer.package.padEnd(23)} ${seconds(peer.medianSeconds)}  ${peer.filesWritten} files`);
}
if (output.create.ratioVsT3 !== undefined) {
  console.log(`  new / create-t3-app = ${ratio(output.create.ratioVsT3)} (target <= ${TARGETS.createVsT3}x: ${verdict(output.withinTargets.create)})`);
}
console.log(`--help                  ${seconds(output.help.medianSeconds)}  vs node -e 0 ${seconds(output.help.nodeMedianSeconds)} = ${ratio(output.help.ratioVsNode)} (target <= ${TARGETS.helpVsNode}x: ${verdict(output.withinTargets.help)})`);
console.log(`check, generated stack  ${seconds(output.check.generated.medianSeconds)}`);
console.log(`check, ${output.check.synthetic.files} files     ${seconds(output.check.synthetic.medianSeconds)} (target <= ${TARGETS.checkSyntheticSeconds} s: ${verdict(output.withinTargets.check)})`);
console.log(`upgrade (--set)         ${seconds(output.upgrade.medianSeconds)} (target <= ${TARGETS.upgradeSeconds} s: ${verdict(output.withinTargets.upgrade)})`);
for (const [what, list, script] of [
  ['formatted with prettier at run time', prepared.formattedAtRunTime, 'verify-preformatted-templates.mjs'],
  ['compiled at run time', prepared.compiledAtRunTime, 'precompile-templates.mjs'],
]) {
  if (list.length > 0) console.log(`note: ${list.length} template(s) ${what} (run node scripts/${script}): ${list.join(', ')}`);
}
if (output.stack) console.log(`stack: see bench/results/stack.json (${output.stack.status ?? 'merged'})`);
if (Math.max(...output.loadAverage.before) > m.cpus) console.log(`note: the machine was busy (load average above ${m.cpus}); ratios of interleaved runs hold better than absolute times`);

const resultsDir = path.join(REPO_ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'bench.json'), `${JSON.stringify(output, null, 2)}\n`);
console.log('written: bench/results/bench.json');
