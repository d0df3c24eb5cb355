/**
 * .gitignore / .dockerignore, line by line: the patterns the template has and the file lacks are appended
 * under one comment, in the template's order (so a template's `!.env.example` still follows its `.env.*`).
 * A pattern is left out when it would undo a choice of the user's: it re-ignores a path the file puts back
 * with `!`, or it ignores a file that is in the repository today.
 */
import ignore from 'ignore';
import { finishEdit, lineBreakOf, splitLines, type EditResult } from './text.js';

export interface IgnoreEditInput {
  /** The current file ('' when it does not exist yet: the caller creates it from the template instead). */
  text: string;
  /** The template's version of the file. */
  template: string;
  /** Paths relative to the ignore file's directory that exist and must stay visible (e.g. files git tracks). */
  keepVisible?: readonly string[];
  /** Template patterns never to add to an existing file (they could break what the user builds). */
  skip?: readonly string[];
}

export const ADDED_BY_COMMENT = '# added by secure-stack add';

function patternsOf(text: string): string[] {
  return splitLines(text)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A pattern as git compares it for "already there": without a leading slash or trailing slash. */
function normalised(pattern: string): string {
  return pattern.replace(/^\//, '').replace(/\/$/, '');
}

export function editIgnoreFile({ text, template, keepVisible = [], skip = [] }: IgnoreEditInput): EditResult {
  const userPatterns = patternsOf(text);
  const userRules = ignore().add(userPatterns);
  const existing = new Set(userPatterns.map(normalised));
  const negated = userPatterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
  // The template's own exceptions (`!.env.example`) come with its patterns, so they count when judging one.
  const templateExceptions = patternsOf(template).filter((pattern) => pattern.startsWith('!'));
  const notes: string[] = [];
  const positives: string[] = [];
  for (const pattern of patternsOf(template)) {
    if (pattern.startsWith('!') || existing.has(normalised(pattern)) || skip.includes(pattern)) continue;
    // Already covered by the user's own rules (`.env*` covers `.env.*`): adding it would change nothing.
    if (safeIgnores(userRules, samplePath(pattern))) continue;
    const matcher = ignore().add([pattern, ...templateExceptions]);
    const reIgnored = negated.find((path) => safeIgnores(matcher, path));
    if (reIgnored !== undefined) {
      notes.push(`not added "${pattern}": it would ignore !${reIgnored} again`);
      continue;
    }
    const visible = keepVisible.find((path) => safeIgnores(matcher, path));
    if (visible !== undefined) {
      notes.push(`not added "${pattern}": it would ignore ${visible}, which is in the repository`);
      continue;
    }
    positives.push(pattern);
    existing.add(normalised(pattern));
  }
  // A template exception is added only after a pattern added here that it excepts; what the user's own rules
  // ignore stays ignored (their `.env*` keeps .env.example out too).
  const added = patternsOf(template).filter((pattern) => {
    if (!pattern.startsWith('!')) return positives.includes(pattern);
    const excepted = pattern.slice(1);
    return !safeIgnores(userRules, excepted) && positives.some((positive) => safeIgnores(ignore().add(positive), excepted));
  });
  if (added.length === 0) return finishEdit(text, [], [], notes);
  // What the user keeps visible (their `!` exceptions, the repository's files) must stay visible.
  const after = ignore().add([...userPatterns, ...added]);
  const hidden = [...negated, ...keepVisible].find((path) => !safeIgnores(userRules, path) && safeIgnores(after, path));
  if (hidden !== undefined) return { kind: 'unsafe', reason: `the added patterns would ignore ${hidden}` };
  const lineBreak = text === '' ? '\n' : lineBreakOf(text);
  const separator = text === '' ? '' : text.endsWith('\n') ? lineBreak : `${lineBreak}${lineBreak}`;
  const block = `${separator}${ADDED_BY_COMMENT}${lineBreak}${added.join(lineBreak)}${lineBreak}`;
  return finishEdit(text, [{ offset: text.length, text: block }], [`added ${added.join(', ')}`], notes);
}

/** A path the pattern matches (its wildcards filled in), to ask whether other rules already cover it. */
function samplePath(pattern: string): string {
  return pattern
    .replace(/^\//, '')
    .replace(/\/$/, '')
    .replace(/(?:^|\/)\*\*\//g, '')
    .replace(/\[([^\]])[^\]]*\]/g, '$1')
    .replace(/\*/g, 'sample')
    .replace(/\?/g, 'x');
}

/** `ignore` throws on paths it considers invalid (absolute, `..`): such a path cannot be matched anyway. */
function safeIgnores(matcher: ReturnType<typeof ignore>, path: string): boolean {
  try {
    return matcher.ignores(path) || matcher.ignores(`${path.replace(/\/$/, '')}/`);
  } catch {
    return false;
  }
}
