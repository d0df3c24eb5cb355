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

export const MANIFEST_FILE = '.secure-stack.yaml';
export const MANIFEST_SCHEMA_VERSION = 1;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256');
const layerIdSchema = z.enum(['base', ...LAYER_IDS]);

export const manifestSchema = z.strictObject({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  templateVersion: z.string().min(1),
  generatedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  presets: z.array(z.strictObject({ name: z.string().min(1), builtin: z.boolean() })),
  answers: answersSchema,
  layers: z.partialRecord(layerIdSchema, z.strictObject({ directory: z.string(), generated: z.boolean() })),
  files: z.record(z.string().min(1), z.strictObject({ layer: layerIdSchema, sha256: sha256Schema })),
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
