/**
 * Presets: YAML files with `extends:` (a built-in preset name or a path) and `locked:` (answer keys a
 * project cannot change). A platform team ships its own preset that extends `strict`; every project
 * that uses it inherits the answers, and a locked key cannot be turned off by a flag or answers file.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as v from 'valibot';
import { mapping, nonEmptyString, oneOf, validate } from '../config/validation.js';
import { parseYamlFile } from '../config/yaml-file.js';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { readUserFile } from '../tree/disk.js';
import { ANSWER_KEYS, presetAnswersSchema, type AnswerKey, type PartialAnswers } from '../answers/schema.js';

const MAX_CHAIN = 10;
const LOCKABLE_KEYS = ANSWER_KEYS.filter((key) => key !== 'projectName') as Exclude<AnswerKey, 'projectName'>[];

const presetFileSchema = mapping(v.strictObject({
  description: v.optional(v.pipe(v.string(), v.maxLength(500))),
  extends: v.optional(nonEmptyString),
  answers: v.optional(presetAnswersSchema),
  locked: v.optional(v.array(oneOf(LOCKABLE_KEYS))),
}));
type PresetFile = v.InferOutput<typeof presetFileSchema>;

/** A built-in preset as read ahead of time (scripts/precompile-templates.mjs): its file's sha256 and its contents. */
export interface PrecomputedPreset {
  sha256: string;
  data: unknown;
}

let precomputedPresets: ReadonlyMap<string, PrecomputedPreset> = new Map();

/** Built-in presets read ahead of time, by name; each is used only while its file still has the recorded sha256. */
export function usePrecomputedPresets(presets: Readonly<Record<string, PrecomputedPreset>> | undefined): void {
  precomputedPresets = new Map(Object.entries(presets ?? {}));
}

/** Reads one preset file's text (what the precompile script records for the built-in ones). */
export function parsePresetFile(text: string, file: string): PresetFile {
  return parseYamlFile(text, file, presetFileSchema);
}

/** A built-in preset's contents: the precomputed ones while the file is unchanged (no YAML parse), else parsed. */
function builtinPresetData(ref: PresetRef, text: string): PresetFile {
  const entry = precomputedPresets.get(ref.name);
  if (entry !== undefined && entry.sha256 === createHash('sha256').update(text, 'utf8').digest('hex')) {
    const checked = validate(presetFileSchema, structuredClone(entry.data));
    if (checked.success) return checked.data;
  }
  return parsePresetFile(text, ref.file);
}

export interface PresetRef {
  /** What the user or `extends:` said: `strict`, `./org.yaml`. */
  name: string;
  /** Absolute path of the file it resolved to. */
  file: string;
  builtin: boolean;
}

export interface LockOrigin {
  preset: PresetRef;
  value: unknown;
}

export interface ResolvedPreset {
  /** Root first: [strict, ./org.yaml]. */
  chain: PresetRef[];
  answers: PartialAnswers;
  locked: Map<AnswerKey, LockOrigin>;
}

export const BUILTIN_PRESETS_DIR = path.join(PACKAGE_ROOT, 'presets');

function isPath(reference: string): boolean {
  return reference.includes('/') || reference.includes('\\') || /\.ya?ml$/i.test(reference) || reference.startsWith('.');
}

function resolveReference(reference: string, relativeTo: string): PresetRef {
  if (isPath(reference)) {
    return { name: reference, file: path.resolve(relativeTo, reference), builtin: false };
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(reference)) {
    throw new UsageError(`unknown preset "${reference}": a built-in preset name is lowercase letters, digits and "-"; a file preset is a path`);
  }
  return { name: reference, file: path.join(BUILTIN_PRESETS_DIR, `${reference}.yaml`), builtin: true };
}

/** Loads a preset and everything it extends; a child may not change what an ancestor locked. */
export function resolvePreset(reference: string, cwd: string): ResolvedPreset {
  const files: Array<{ ref: PresetRef; data: PresetFile }> = [];
  let next: PresetRef | undefined = resolveReference(reference, cwd);
  const seen = new Set<string>();
  while (next !== undefined) {
    if (seen.has(next.file)) throw new UsageError(`preset ${next.file}: "extends" forms a cycle`);
    if (seen.size >= MAX_CHAIN) throw new UsageError(`preset ${next.file}: more than ${MAX_CHAIN} presets in the extends chain`);
    seen.add(next.file);
    let text: string;
    try {
      text = readUserFile(next.file, 'preset').text;
    } catch (error) {
      if (next.builtin) throw new UsageError(`unknown preset "${next.name}" (built-in presets: ${listBuiltinHint()})`);
      throw error;
    }
    const data: PresetFile = next.builtin ? builtinPresetData(next, text) : parsePresetFile(text, next.file);
    files.push({ ref: next, data });
    next = data.extends === undefined ? undefined : resolveReference(data.extends, path.dirname(next.file));
  }
  files.reverse();

  const answers: Record<string, unknown> = {};
  const locked = new Map<AnswerKey, LockOrigin>();
  for (const { ref, data } of files) {
    for (const [key, value] of Object.entries(data.answers ?? {})) {
      const lock = locked.get(key as AnswerKey);
      if (lock !== undefined && !sameValue(lock.value, value)) {
        throw new UsageError(
          `preset ${ref.file}: "${key}" is locked by preset ${lock.preset.file} to ${JSON.stringify(lock.value)}`,
        );
      }
      answers[key] = value;
    }
    for (const key of data.locked ?? []) {
      if (!locked.has(key)) {
        if (!(key in answers)) throw new UsageError(`preset ${ref.file}: locked key "${key}" has no value in this preset or the presets it extends`);
        locked.set(key, { preset: ref, value: answers[key] });
      }
    }
  }
  return { chain: files.map(({ ref }) => ref), answers: answers as PartialAnswers, locked };
}

/** Equal answers; a list (layers) is compared as a set, since its order is canonicalised later. */
export function sameValue(a: unknown, b: unknown): boolean {
  const normalise = (value: unknown): string => JSON.stringify(Array.isArray(value) ? [...value].map(String).sort() : value);
  return normalise(a) === normalise(b);
}

const BUILTIN_NAMES = ['default', 'api-only', 'strict'];
function listBuiltinHint(): string {
  return BUILTIN_NAMES.join(', ');
}
