/**
 * `.secure-stack.yaml`: what was generated, from which answers, by which version, and the hash of each
 * generated file as it was written. Hashes (not only versions) let `diff` and `upgrade` tell "you changed
 * this file" apart from "the template changed".
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { z } from 'zod';
import { answersSchema, LAYER_IDS } from '../answers/schema.js';
import { parseYamlFile } from '../config/yaml-file.js';
import { getControl } from '../controls/catalog.js';

export const MANIFEST_FILE = '.secure-stack.yaml';
export const MANIFEST_SCHEMA_VERSION = 1;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256');
const layerIdSchema = z.enum(['base', ...LAYER_IDS]);
/** A base image as the templates name it: `name:tag` or `registry/path:tag`, never with a digest. */
const IMAGE_REFERENCE = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// Keys are checked in a refinement rather than by the record's key schema, whose error would not say what is wrong.
const baseImageDigestsSchema = z.record(z.string(), z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>')).superRefine((digests, context) => {
  for (const reference of Object.keys(digests)) {
    if (!IMAGE_REFERENCE.test(reference)) context.addIssue({ code: 'custom', path: [reference], message: 'must be an image name:tag without a digest' });
  }
});

const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((date) => !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date), 'is not a calendar date');

/**
 * One accepted risk for `secure-stack check`: findings of `control` in the files `path` matches (a path or a
 * glob: `*`, `**`, `?`, `{a,b}`, relative to the repository root), optionally only at `line`. A reason and
 * an owner are required; after `expires` (inclusive, UTC) the findings count again.
 */
export const manifestSuppressionSchema = z.strictObject({
  control: z.string().refine((id) => getControl(id) !== undefined, 'is not a control ID of the catalog'),
  path: z
    .string()
    .min(1)
    .refine((glob) => !glob.startsWith('/') && !glob.split('/').includes('..') && !glob.includes('\\'), 'must be a POSIX path or glob relative to the repository root'),
  reason: z.string().trim().min(1, 'a reason is required'),
  owner: z.string().trim().min(1, 'an owner is required'),
  expires: isoDateSchema.optional(),
  line: z.int().positive().optional(),
});

export type ManifestSuppression = z.output<typeof manifestSuppressionSchema>;

export const suppressionsSchema = z.array(manifestSuppressionSchema);

export const generatedComponentSchema = z.strictObject({
  generator: z.enum(['route', 'table', 'action', 'page', 'secret']),
  name: z.string().min(1),
  generatedOn: isoDateSchema,
  files: z.record(z.string().min(1), z.strictObject({ sha256: sha256Schema })),
});

export type GeneratedComponent = z.output<typeof generatedComponentSchema>;

export const manifestSchema = z.strictObject({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  templateVersion: z.string().min(1),
  generatedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  presets: z.array(z.strictObject({ name: z.string().min(1), builtin: z.boolean() })),
  answers: answersSchema,
  layers: z.partialRecord(layerIdSchema, z.strictObject({ directory: z.string(), generated: z.boolean() })),
  /**
   * `new --pin-digests`: the digest each base image reference (name:tag) resolved to at generation time, so a
   * re-render (diff, upgrade) writes the same `FROM name:tag@sha256:…` without asking a registry again.
   * Absent when nothing was pinned.
   */
  baseImageDigests: baseImageDigestsSchema.optional(),
  files: z.record(z.string().min(1), z.strictObject({ layer: layerIdSchema, sha256: sha256Schema })),
  /**
   * Components stamped out by `secure-stack gen` (route, table, action, page, secret): which generator, the name it was
   * given, and the hash of each file it created as created. Kept apart from `files` (what the templates render for
   * the answers), so `diff` and `upgrade` can tell a generated component from a file the user added.
   */
  components: z.array(generatedComponentSchema).optional(),
  /** Accepted findings of `secure-stack check`, written by the user (never by the generator). */
  suppressions: suppressionsSchema.optional(),
});

export type Manifest = z.output<typeof manifestSchema>;

const HEADER = [
  '# secure-stack manifest: what create-secure-stack generated here, from which answers.',
  '# `secure-stack diff`, `add` and `upgrade` read it; keep it in version control.',
  '# files.<path>.sha256 is the hash of the file as generated, not as you edited it.',
].join('\n');

export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

export function serializeManifest(manifest: Manifest): string {
  const checked = manifestSchema.parse(manifest);
  return `${HEADER}\n${stringify(checked, { lineWidth: 0, sortMapEntries: false })}`;
}

export function parseManifest(text: string, fileLabel: string = MANIFEST_FILE): Manifest {
  return parseYamlFile(text, fileLabel, manifestSchema);
}
