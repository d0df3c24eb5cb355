/**
 * Merges the sources of answers, lowest precedence first:
 *   defaults < preset chain < answers file (--answers) < flags < the wizard.
 * A locked preset key may be repeated with the same value but never changed.
 */
import { UsageError } from '../errors.js';
import { resolvePreset, sameValue, type ResolvedPreset } from '../presets/presets.js';
import { validate } from '../config/validation.js';
import { parseYamlFile } from '../config/yaml-file.js';
import { readUserFile } from '../tree/disk.js';
import {
  ANSWER_KEYS,
  answersSchema,
  canonicalLayers,
  defaultAnswers,
  partialAnswersSchema,
  type AnswerKey,
  type Answers,
  type PartialAnswers,
} from './schema.js';

export const DEFAULT_PRESET = 'default';

export interface AnswerSources {
  cwd: string;
  /** The positional project name, if given. */
  projectName?: string;
  preset?: string;
  answersFile?: string;
  /** Answers given as flags, keyed by answer key. */
  flags: PartialAnswers;
  /** How each answer key is spelt on the command line, for error messages. */
  flagNames: Partial<Record<AnswerKey, string>>;
}

export interface MergedAnswers {
  preset: ResolvedPreset;
  /** Every known answer (project name may still be missing before the wizard asks for it). */
  values: Partial<Answers>;
  /** Keys set by the answers file or a flag (the wizard does not ask these again). */
  explicit: Set<AnswerKey>;
}

export function mergeAnswers(sources: AnswerSources): MergedAnswers {
  const preset = resolvePreset(sources.preset ?? DEFAULT_PRESET, sources.cwd);
  let fromFile: PartialAnswers = {};
  let fileLabel = '';
  if (sources.answersFile !== undefined) {
    const { text } = readUserFile(sources.answersFile, 'answers file');
    fileLabel = sources.answersFile;
    fromFile = parseYamlFile(text, fileLabel, partialAnswersSchema);
  }
  const projectName = sources.projectName ?? fromFile.projectName;
  const explicit = new Set<AnswerKey>();
  const check = (given: PartialAnswers, describe: (key: AnswerKey) => string): void => {
    for (const key of Object.keys(given) as AnswerKey[]) {
      explicit.add(key);
      const lock = preset.locked.get(key);
      if (lock !== undefined && !sameValue(lock.value, given[key])) {
        throw new UsageError(
          `${describe(key)} contradicts preset ${lock.preset.file}: "${key}" is locked to ${JSON.stringify(lock.value)}`,
        );
      }
    }
  };
  check(fromFile, (key) => `${fileLabel}: ${key}`);
  check(sources.flags, (key) => sources.flagNames[key] ?? key);
  const base = defaultAnswers(projectName);
  const values: Partial<Answers> = { ...base, ...preset.answers, ...fromFile, ...sources.flags };
  if (projectName !== undefined) values.projectName = projectName;
  if (values.layers) values.layers = canonicalLayers(values.layers);
  return { preset, values, explicit };
}

/** Validates the final answers; the message names the flag when a flag gave the bad value. */
export function finaliseAnswers(values: Partial<Answers>, flagNames: Partial<Record<AnswerKey, string>> = {}): Answers {
  if (values.projectName === undefined) throw new UsageError('missing project name: secure-stack new <name>');
  const result = validate(answersSchema, { oidcAudience: `${values.projectName}-api`, ...values });
  if (result.success) return { ...result.data, layers: canonicalLayers(result.data.layers) };
  const issue = result.problem;
  const key = issue.path[0] as AnswerKey | undefined;
  const label = key === undefined ? 'answers' : key === 'projectName' ? 'project name' : (flagNames[key] ?? key);
  const shown = key === undefined ? '' : ` ${JSON.stringify(values[key])}`;
  throw new UsageError(`invalid ${label}${shown}: ${issue.message}`);
}

export { ANSWER_KEYS };
