/**
 * Schema validation with messages written for the user. The project's schemas are valibot schemas (chosen
 * over zod for start-up time: importing it costs a fifth as much, issue 10); this module runs one and turns
 * its first issue into a path and a one-line message. Schemas give their own message where the rule needs
 * explaining (`must be a hex SHA-256`); every other issue gets a plain wording from `readableMessage`
 * rather than valibot's `Invalid type: Expected ... but received ...`.
 */
import * as v from 'valibot';

/** The first thing wrong with a value. */
export interface SchemaProblem {
  /** Keys from the root to the offending value; for an unknown or missing key, that key is the last one. */
  path: Array<string | number>;
  /** What is wrong, without the path: `expected a boolean (true or false), not 3`, `unknown key "x"`. */
  message: string;
  /** Set when the problem is a key that a strict object does not define. */
  unknownKey?: string;
}

export type Validated<Output> = { success: true; data: Output } | { success: false; problem: SchemaProblem };

/** Validates `value`; on failure, its first issue (keys are checked in schema order, unknown keys last). */
export function validate<Schema extends v.GenericSchema>(schema: Schema, value: unknown): Validated<v.InferOutput<Schema>> {
  const result = v.safeParse(schema, value, { message: readableMessage });
  if (result.success) return { success: true, data: result.output };
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((item) => (typeof item.key === 'number' ? item.key : String(item.key)));
  const unknownKey = isUnknownKey(issue) ? String(path.at(-1)) : undefined;
  return { success: false, problem: unknownKey === undefined ? { path, message: issue.message } : { path, message: issue.message, unknownKey } };
}

/**
 * The value, or an Error `[label: ]path: message` of the first problem: for values the program wrote itself
 * (a manifest to serialise, a journal to replay), where a problem is a bug or a damaged file.
 */
export function validOrThrow<Schema extends v.GenericSchema>(schema: Schema, value: unknown, label?: string): v.InferOutput<Schema> {
  const result = validate(schema, value);
  if (result.success) return result.data;
  const where = result.problem.path.length > 0 ? `${result.problem.path.join('.')}: ` : '';
  throw new Error(`${label === undefined ? '' : `${label}: `}${where}${result.problem.message}`);
}

const MAPPING = 'a mapping of keys to values';

const mappingInput = v.custom<Record<string, unknown>>(
  (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
  (issue) => `expected ${MAPPING}, not ${describe(issue.input)}`,
);

/**
 * An object or record schema that refuses a list. valibot's objects and records accept arrays (indexes
 * become keys), so without this a YAML list would pass for an empty preset, or for a record of files named
 * "0", "1"…; zod refused them, and so do we. Every object and record schema of the project is wrapped in it.
 */
export function mapping<Schema extends v.GenericSchema<Record<string, unknown>>>(schema: Schema): v.SchemaWithPipe<readonly [typeof mappingInput, Schema]> {
  return v.pipe(mappingInput, schema);
}

/** A string with at least one character. */
export const nonEmptyString = v.pipe(v.string(), v.minLength(1));

/** A SHA-256 as lower-case hex: the manifest's file hashes, the baseline's fingerprints. */
export const hexSha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'));

/** `v.picklist` whose issue lists the accepted values: `expected one of aws|gcp|azure|none`. */
export function oneOf<const Options extends readonly string[]>(options: Options): v.PicklistSchema<Options, string> {
  return v.picklist(options, `expected one of ${options.join('|')}`);
}

/**
 * A check whose message depends on the value: `problemOf` returns what is wrong with it, or undefined when
 * it is fine (the same functions serve the wizard's prompts).
 */
export function problemCheck<Input>(problemOf: (value: Input) => string | undefined): v.RawCheckAction<Input> {
  return v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = problemOf(dataset.value);
    if (problem !== undefined) addIssue({ message: problem });
  });
}

function isUnknownKey(issue: v.BaseIssue<unknown>): boolean {
  // A strict object reports a key it does not define as a key issue that expects `never` (a missing key
  // expects the key's own name); the key is the last path item.
  return issue.type === 'strict_object' && issue.expected === 'never' && issue.path?.at(-1)?.origin === 'key';
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  boolean: 'a boolean (true or false)',
  number: 'a number',
  array: 'a list',
  object: MAPPING,
  strict_object: MAPPING,
  loose_object: MAPPING,
  record: MAPPING,
};

/** The wording of an issue whose schema or action gave no message of its own. */
export function readableMessage(issue: v.BaseIssue<unknown>): string {
  const requirement = issue.requirement;
  switch (issue.type) {
    case 'strict_object':
    case 'object':
    case 'loose_object':
      if (issue.path?.at(-1)?.origin === 'key') {
        return issue.expected === 'never' ? `unknown key "${String(issue.path.at(-1)!.key)}"` : 'is required';
      }
      break;
    case 'min_length':
      return requirement === 1 ? 'must not be empty' : `must have at least ${String(requirement)} ${lengthUnit(issue.input)}`;
    case 'max_length':
      return `must have at most ${String(requirement)} ${lengthUnit(issue.input)}`;
    case 'regex':
      return `must match ${String(requirement)}`;
    case 'integer':
      return 'expected a whole number';
    case 'min_value':
      return `must be at least ${String(requirement)}`;
    case 'literal':
    case 'picklist':
    case 'variant':
      return `expected ${issue.expected ?? 'another value'}`;
  }
  if (issue.kind === 'schema' && issue.input === undefined) return 'is required';
  const typeName = TYPE_NAMES[issue.type];
  if (issue.kind === 'schema' && typeName !== undefined) return `expected ${typeName}, not ${describe(issue.input)}`;
  return issue.message;
}

function lengthUnit(input: unknown): string {
  return typeof input === 'string' ? 'characters' : 'items';
}

function describe(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `the string ${JSON.stringify(input)}`;
  return String(input);
}
