/**
 * What the workflow checks read from a parsed GitHub Actions workflow: triggers, jobs, steps, `env:` values,
 * and the commands of every `run:` script (parsed by ../shell.ts) with a way back from an offset in a script to
 * the line and column of the workflow file.
 */
import { isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import type { Location } from '../finding.js';
import { parseShell, type ShellCommand, type ShellSyntaxError, type ShellWord } from '../shell.js';
import { at, deref, pairOf, text, valueOf, type YamlFile } from '../yaml-nodes.js';

export type Workflow = YamlFile;

export interface Job {
  id: string;
  /** The job's key in `jobs:`, where job-level findings point. */
  key: unknown;
  node: unknown;
}

export interface Step {
  job: Job;
  node: unknown;
  uses?: { value: string; node: unknown };
}

/** One `run:` script with its commands and the environment the runner gives it. */
export interface RunScript {
  step: Step;
  node: Scalar;
  script: string;
  commands: ShellCommand[];
  /** Syntax errors of the script: the commands of their lines are not in `commands`. */
  errors: ShellSyntaxError[];
  /** False when the script runs under PowerShell or cmd, whose syntax is not the shell's: its errors are expected. */
  posix: boolean;
  /** `env:` of the workflow, then the job, then the step (later ones win), as written. */
  env: ReadonlyMap<string, string>;
  /** The location in the workflow file of the text at `offset` (`length` characters) of the script. */
  locate(offset: number, length: number): Location;
}

/** Every `${{ … }}` in a node's source, with the offset of its start. */
export function expressionsIn(workflow: Workflow, node: unknown): Array<{ expression: string; offset: number }> {
  const located = sourceOf(workflow, node);
  if (!located) return [];
  const found: Array<{ expression: string; offset: number }> = [];
  for (const match of located.source.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
    found.push({ expression: match[1]!.trim(), offset: located.start + match.index });
  }
  return found;
}

/** Source text of a node, with its start offset: expressions are found in what was written. */
export function sourceOf(workflow: Workflow, node: unknown): { source: string; start: number } | undefined {
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  return { source: workflow.file.text.slice(range[0], range[1]), start: range[0] };
}

const JOBS = new WeakMap<Workflow, Job[]>();
const STEPS = new WeakMap<Workflow, Step[]>();
const SCRIPTS = new WeakMap<Workflow, RunScript[]>();

export function jobsOf(workflow: Workflow): Job[] {
  let jobs = JOBS.get(workflow);
  if (jobs === undefined) {
    const map = valueOf(workflow, workflow.root, 'jobs');
    jobs = isMap(map) ? map.items.map((pair) => ({ id: String(isScalar(pair.key) ? pair.key.value : '?'), key: pair.key, node: deref(workflow, pair.value) })) : [];
    JOBS.set(workflow, jobs);
  }
  return jobs;
}

export function stepsOfJob(workflow: Workflow, job: Job): Step[] {
  return stepsOf(workflow).filter((step) => step.job === job);
}

export function stepsOf(workflow: Workflow): Step[] {
  let steps = STEPS.get(workflow);
  if (steps === undefined) {
    steps = [];
    for (const job of jobsOf(workflow)) {
      const list = valueOf(workflow, job.node, 'steps');
      if (!isSeq(list)) continue;
      for (const item of list.items) {
        const node = deref(workflow, item);
        const usesNode = valueOf(workflow, node, 'uses');
        const uses = text(usesNode);
        steps.push({ job, node, ...(uses === undefined ? {} : { uses: { value: uses.trim(), node: usesNode } }) });
      }
    }
    STEPS.set(workflow, steps);
  }
  return steps;
}

/** `owner/repo[/path]` of a `uses:` value, lower-cased, without the ref. */
export function actionName(uses: string): string {
  const at = uses.lastIndexOf('@');
  return (at < 0 ? uses : uses.slice(0, at)).toLowerCase();
}

/** Whether `uses:` names this action (`owner/repo` or `owner/repo/path`), at any ref. */
export function isAction(uses: string, name: string): boolean {
  return actionName(uses) === name;
}

export function triggersOf(workflow: Workflow): string[] {
  const on = valueOf(workflow, workflow.root, 'on');
  if (isScalar(on)) return text(on) === undefined ? [] : [text(on)!];
  if (isSeq(on)) return on.items.map((item) => text(deref(workflow, item))).filter((value): value is string => value !== undefined);
  if (isMap(on)) return on.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : '')).filter(Boolean);
  return [];
}

/** A step input (`with:` key) as text, with its node. */
export function inputOf(workflow: Workflow, step: Step, name: string): { value: string | undefined; node: unknown } | undefined {
  const pair = pairOf(workflow, valueOf(workflow, step.node, 'with'), name);
  if (pair === undefined) return undefined;
  const node = deref(workflow, pair.value);
  return { value: text(node), node };
}

/** Whether the step sets `continue-on-error: true`, so its failure never fails the job. */
export function continuesOnError(workflow: Workflow, node: unknown): boolean {
  const value = valueOf(workflow, node, 'continue-on-error');
  return isScalar(value) && (value.value === true || text(value) === 'true');
}

/** The job's `environment:` name (a string or `name:` of a mapping), or undefined when it has none. */
export function environmentOf(workflow: Workflow, job: Job): string | undefined {
  const environment = valueOf(workflow, job.node, 'environment');
  const name = isMap(environment) ? text(valueOf(workflow, environment, 'name')) : text(environment);
  return name === undefined || name.trim() === '' ? undefined : name.trim();
}

/** The ids of the jobs this job `needs:`. */
export function needsOf(workflow: Workflow, job: Job): string[] {
  const needs = valueOf(workflow, job.node, 'needs');
  if (isSeq(needs)) return needs.items.map((item) => text(deref(workflow, item))).filter((value): value is string => value !== undefined);
  const single = text(needs);
  return single === undefined ? [] : [single];
}

function envMap(workflow: Workflow, owner: unknown, into: Map<string, string>): void {
  const env = valueOf(workflow, owner, 'env');
  if (!isMap(env)) return;
  for (const pair of env.items) {
    if (!isScalar(pair.key)) continue;
    const located = sourceOf(workflow, deref(workflow, pair.value));
    const value = text(deref(workflow, pair.value));
    // The source keeps ${{ … }} as written, which is what tells a trusted value from an untrusted one.
    if (value !== undefined) into.set(String(pair.key.value), located?.source.includes('${{') ? located.source : value);
  }
}

/** Shells whose scripts are not shell: a `run:` under them is not parsed. */
const NOT_A_SHELL = /^(python|node|ruby|perl)\b/;
/** Shells with a syntax of their own: their scripts are read as shell (commands, redirections, $env:NAME), as far as that goes. */
const NOT_POSIX = /^(pwsh|powershell|cmd)\b/i;

export function runScriptsOf(workflow: Workflow): RunScript[] {
  let scripts = SCRIPTS.get(workflow);
  if (scripts !== undefined) return scripts;
  scripts = [];
  const workflowEnv = new Map<string, string>();
  envMap(workflow, workflow.root, workflowEnv);
  const jobEnvs = new Map<Job, Map<string, string>>();
  for (const step of stepsOf(workflow)) {
    const node = valueOf(workflow, step.node, 'run');
    if (!isScalar(node) || typeof node.value !== 'string') continue;
    const defaultShell = (owner: unknown) => text(valueOf(workflow, valueOf(workflow, valueOf(workflow, owner, 'defaults'), 'run'), 'shell'));
    const shell = text(valueOf(workflow, step.node, 'shell')) ?? defaultShell(step.job.node) ?? defaultShell(workflow.root);
    if (shell !== undefined && NOT_A_SHELL.test(shell.trim())) continue;
    // Without shell:, a Windows runner runs pwsh.
    const posix = shell === undefined ? !/windows/i.test(sourceOf(workflow, valueOf(workflow, step.job.node, 'runs-on'))?.source ?? '') : !NOT_POSIX.test(shell.trim());
    let jobEnv = jobEnvs.get(step.job);
    if (jobEnv === undefined) {
      jobEnv = new Map(workflowEnv);
      envMap(workflow, step.job.node, jobEnv);
      jobEnvs.set(step.job, jobEnv);
    }
    const env = new Map(jobEnv);
    envMap(workflow, step.node, env);
    const { commands, errors } = parseShell(node.value, { githubExpressions: true });
    scripts.push({ step, node, script: node.value, commands, errors, posix, env, locate: scalarLocator(workflow, node) });
  }
  SCRIPTS.set(workflow, scripts);
  return scripts;
}

/**
 * Maps an offset in a scalar's value back to the workflow file. Exact for literal blocks (`|`), whose lines are
 * the source lines without their indentation, and for one-line plain or quoted scalars without escapes; for
 * folded or escaped scalars the text is looked up in the node's source, and the node's start is the fallback.
 */
function scalarLocator(workflow: Workflow, node: Scalar): (offset: number, length: number) => Location {
  const range = node.range!;
  const source = workflow.file.text.slice(range[0], range[1]);
  const value = String(node.value);
  const search = (offset: number, length: number): Location => {
    const needle = value.slice(offset, offset + Math.max(length, 1));
    const index = needle.includes('\n') ? -1 : source.indexOf(needle);
    return at(workflow, index < 0 ? range[0] : range[0] + index);
  };
  if (node.type === 'BLOCK_LITERAL') {
    const valueLines = value.split('\n');
    const valueLineStarts: number[] = [];
    let offset = 0;
    for (const line of valueLines) {
      valueLineStarts.push(offset);
      offset += line.length + 1;
    }
    const sourceLines: Array<{ start: number; text: string }> = [];
    let cursor = source.indexOf('\n') + 1;
    while (cursor > 0 && cursor <= source.length) {
      const end = source.indexOf('\n', cursor);
      const stop = end < 0 ? source.length : end;
      sourceLines.push({ start: range[0] + cursor, text: source.slice(cursor, stop).replace(/\r$/, '') });
      if (end < 0) break;
      cursor = end + 1;
    }
    return (offset, length) => {
      let line = 0;
      while (line + 1 < valueLineStarts.length && valueLineStarts[line + 1]! <= offset) line += 1;
      const sourceLine = sourceLines[line];
      const valueLine = valueLines[line]!;
      if (sourceLine === undefined || !sourceLine.text.endsWith(valueLine)) return search(offset, length);
      return at(workflow, sourceLine.start + sourceLine.text.length - valueLine.length + (offset - valueLineStarts[line]!));
    };
  }
  if (!value.includes('\n')) {
    if (node.type === 'PLAIN' && source.startsWith(value)) return (offset) => at(workflow, range[0] + offset);
    if ((node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE') && source.slice(1, -1) === value) return (offset) => at(workflow, range[0] + 1 + offset);
  }
  return search;
}

export function wordLocation(script: RunScript, word: ShellWord): Location {
  return script.locate(word.start, word.end - word.start);
}

export function commandLocation(script: RunScript, command: ShellCommand): Location {
  const first = command.words[0];
  return first !== undefined && first.start === command.start ? wordLocation(script, first) : script.locate(command.start, 1);
}

// ---- Commands ------------------------------------------------------------------------------------

/** What a simple command runs: the program's base name and its arguments. */
export interface Invocation {
  program: string;
  programWord: ShellWord;
  args: ShellWord[];
  command: ShellCommand;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
/** Words that come before the program without being it. */
const PREFIX_WORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'exec', 'command', 'builtin', 'nohup', 'time']);
/** Programs that run the rest of their arguments, with the options of theirs that take a value. */
const WRAPPERS: Record<string, { valueOptions: ReadonlySet<string>; positionals: number }> = {
  sudo: { valueOptions: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T']), positionals: 0 },
  env: { valueOptions: new Set(['-u', '-C', '-S', '--unset', '--chdir']), positionals: 0 },
  nice: { valueOptions: new Set(['-n', '--adjustment']), positionals: 0 },
  timeout: { valueOptions: new Set(['-s', '-k', '--signal', '--kill-after']), positionals: 1 },
};
const PYTHON = /^(python[0-9.]*|py)$/;

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The program of a command after assignments (`A=1 cmd`), reserved words (`if cmd`), wrappers (`sudo -E cmd`,
 * `env A=1 cmd`, `timeout 5m cmd`), and `python -m module` (the module is the program).
 */
export function invocationOf(command: ShellCommand): Invocation | undefined {
  const words = command.words;
  let index = 0;
  while (index < words.length) {
    const word = words[index]!.text;
    if (ASSIGNMENT.test(word) || PREFIX_WORDS.has(word)) {
      index += 1;
      continue;
    }
    const wrapper = WRAPPERS[basename(word)];
    if (wrapper === undefined) break;
    index += 1;
    while (index < words.length && (words[index]!.text.startsWith('-') || ASSIGNMENT.test(words[index]!.text))) {
      index += wrapper.valueOptions.has(words[index]!.text) ? 2 : 1;
    }
    index += wrapper.positionals;
  }
  const programWord = words[index];
  if (programWord === undefined) return undefined;
  const program = basename(programWord.text);
  const args = words.slice(index + 1);
  if (PYTHON.test(program)) {
    const module = args.findIndex((arg) => arg.text === '-m');
    const beforeModule = args.slice(0, Math.max(module, 0));
    if (module >= 0 && args[module + 1] !== undefined && beforeModule.every((arg) => arg.text.startsWith('-'))) {
      return { program: args[module + 1]!.text, programWord: args[module + 1]!, args: args.slice(module + 2), command };
    }
  }
  return { program, programWord, args, command };
}

/**
 * The positional arguments of a command line, skipping options and the values of the options in
 * `valueOptions` (`--prefix web`); `--opt=value` is one word. Everything after `--` is positional.
 */
export function positionals(args: readonly ShellWord[], valueOptions: ReadonlySet<string> = new Set()): ShellWord[] {
  const found: ShellWord[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index]!.text;
    if (word === '--') return [...found, ...args.slice(index + 1)];
    if (word.startsWith('-') && word.length > 1) {
      if (valueOptions.has(word)) index += 1;
      continue;
    }
    found.push(args[index]!);
  }
  return found;
}

/** The value of an option written `--name value`, `--name=value` or (for one-letter aliases) `-n value`. */
export function optionValue(args: readonly ShellWord[], names: readonly string[]): ShellWord | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index]!;
    if (names.includes(word.text)) return args[index + 1];
    const name = names.find((candidate) => candidate.startsWith('--') && word.text.startsWith(`${candidate}=`));
    if (name !== undefined) return { ...word, text: word.text.slice(name.length + 1), start: word.start + name.length + 1 };
  }
  return undefined;
}

export function hasOption(args: readonly ShellWord[], names: readonly string[]): boolean {
  return args.some((word) => names.includes(word.text) || names.some((name) => name.startsWith('--') && word.text.startsWith(`${name}=`)));
}

/** A word that is exactly one parameter (`$NAME`, `"${NAME}"`) whose value `env:` gives literally: that value. */
export function resolvedText(word: ShellWord, env: ReadonlyMap<string, string>): string {
  const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(word.text)?.[1];
  const value = name === undefined ? undefined : env.get(name);
  return value !== undefined && !value.includes('${{') ? value : word.text;
}

/** Commands of the same pipeline as `command` (itself included), in order. */
export function pipelineOf(commands: readonly ShellCommand[], command: ShellCommand): ShellCommand[] {
  return commands.filter((other) => other.pipeline === command.pipeline);
}

