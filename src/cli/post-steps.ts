/**
 * After the Tree is committed: `git init` + a first commit, and the opt-in dependency install.
 * Both go through execa (never a shell), neither runs in a dry run, and a failure here leaves the
 * generated files in place and says what to do by hand.
 */
import * as path from 'node:path';
import type { PlannedFile } from '../tree/tree.js';
import type { CliIO } from './output.js';

export interface PostStepReport {
  git: 'committed' | 'initialised' | 'skipped' | 'inside-existing-repository' | 'unavailable';
  installed: string[];
  notes: string[];
}

export interface PostStepInput {
  target: string;
  files: PlannedFile[];
  git: boolean;
  install: boolean;
  io: CliIO;
  quiet: boolean;
}

export async function finishRepository(input: PostStepInput): Promise<PostStepReport> {
  const report: PostStepReport = { git: 'skipped', installed: [], notes: [] };
  if (input.install) await installDependencies(input, report);
  if (input.git) await initialiseGit(input, report);
  return report;
}

async function initialiseGit({ target, io }: PostStepInput, report: PostStepReport): Promise<void> {
  const { execa } = await import('execa');
  const git = (args: string[]) => execa('git', args, { cwd: target, env: io.env, extendEnv: false, reject: false, stdin: 'ignore' });
  const inside = await git(['rev-parse', '--is-inside-work-tree']);
  if (inside.failed && (inside as { code?: string }).code === 'ENOENT') {
    report.git = 'unavailable';
    report.notes.push('git is not installed: the project was not put under version control');
    return;
  }
  if (inside.exitCode === 0 && inside.stdout.trim() === 'true') {
    report.git = 'inside-existing-repository';
    return;
  }
  const init = await git(['init', '-q']);
  if (init.exitCode !== 0) {
    report.notes.push(`git init failed: ${firstLine(init.stderr)}`);
    return;
  }
  report.git = 'initialised';
  await git(['add', '-A']);
  const commit = await git(['commit', '-q', '--no-verify', '-m', 'Initial commit from create-secure-stack']);
  if (commit.exitCode === 0) report.git = 'committed';
  else report.notes.push(`git commit failed (${firstLine(commit.stderr)}): commit the files yourself`);
}

async function installDependencies({ target, files, io, quiet }: PostStepInput, report: PostStepReport): Promise<void> {
  const packageDirs = files
    .filter((file) => path.posix.basename(file.path) === 'package.json' && !file.path.includes('node_modules/'))
    .map((file) => path.posix.dirname(file.path));
  if (packageDirs.length === 0) {
    report.notes.push('nothing to install: no generated layer has dependencies in this version');
    return;
  }
  const { execa } = await import('execa');
  const spinner = io.stdout.isTTY && !quiet ? (await import('@clack/prompts')).spinner({ output: io.stdout }) : undefined;
  for (const dir of packageDirs) {
    spinner?.start(`npm install in ${dir}`);
    const result = await execa('npm', ['install', '--no-fund', '--no-audit'], {
      cwd: path.join(target, dir),
      env: io.env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    spinner?.stop(result.exitCode === 0 ? `installed ${dir}` : `npm install failed in ${dir}`);
    if (result.exitCode === 0) report.installed.push(dir);
    else report.notes.push(`npm install failed in ${dir}: ${firstLine(result.stderr)}`);
  }
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'no output';
}
