/**
 * Baselines: a JSON file of the findings a team already knows about, so `check` can gate on what is new
 * without dropping what is known. Shape (schemaVersion 1):
 *
 * { "schemaVersion": 1,
 *   "tool": { "name": "create-secure-stack", "version": "0.1.0" },
 *   "findings": [ { "controlId": "CTR-03", "file": "api/Dockerfile", "fingerprint": "<64 hex>" } ] }
 *
 * A fingerprint is the SHA-256 of the control, the file, the text of the finding's line with its whitespace
 * collapsed, and the occurrence index among findings with those same three: it survives lines moving up or
 * down and re-indentation, and changes when the offending line itself changes. It is also the SARIF
 * `partialFingerprints` value, so code scanning tracks a result the same way.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { hexSha256, mapping, nonEmptyString, validate } from '../config/validation.js';
import { UsageError } from '../errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../package-root.js';
import type { Finding } from './finding.js';

export const BASELINE_SCHEMA_VERSION = 1;
/** The key of our fingerprint in SARIF `partialFingerprints` (versioned: a new recipe gets a new key). */
export const FINGERPRINT_KEY = 'secureStackFinding/v1';

const baselineSchema = mapping(v.strictObject({
  schemaVersion: v.literal(BASELINE_SCHEMA_VERSION),
  tool: mapping(v.strictObject({ name: nonEmptyString, version: nonEmptyString })),
  findings: v.array(
    mapping(
      v.strictObject({
        controlId: nonEmptyString,
        file: nonEmptyString,
        fingerprint: hexSha256,
      }),
    ),
  ),
}));

export type Baseline = v.InferOutput<typeof baselineSchema>;

/**
 * Sets `fingerprint` on every finding. `findings` must be in report order (file, line, column, control) so
 * that occurrence indexes are stable; `textOf` gives a file's text (undefined: the line text is empty).
 */
export function assignFingerprints(findings: readonly Finding[], textOf: (file: string) => string | undefined): void {
  const linesByFile = new Map<string, string[]>();
  const occurrences = new Map<string, number>();
  for (const finding of findings) {
    let lines = linesByFile.get(finding.file);
    if (lines === undefined) {
      lines = (textOf(finding.file) ?? '').split(/\r?\n/);
      linesByFile.set(finding.file, lines);
    }
    const lineText = (lines[finding.line - 1] ?? '').trim().replace(/\s+/g, ' ');
    const key = `${finding.controlId}\0${finding.file}\0${lineText}`;
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    finding.fingerprint = createHash('sha256').update(`${key}\0${occurrence}`).digest('hex');
  }
}

/** Marks every finding `unchanged` (in the baseline) or `new`. */
export function applyBaseline(findings: readonly Finding[], baseline: Baseline): void {
  const known = new Set(baseline.findings.map((entry) => baselineKey(entry.controlId, entry.file, entry.fingerprint)));
  for (const finding of findings) {
    finding.baselineState = known.has(baselineKey(finding.controlId, finding.file, finding.fingerprint ?? '')) ? 'unchanged' : 'new';
  }
}

function baselineKey(controlId: string, file: string, fingerprint: string): string {
  return `${controlId}\0${file}\0${fingerprint}`;
}

/** A baseline of the given findings' unsuppressed ones, sorted so that moving lines does not reorder it. */
export function makeBaseline(findings: readonly Finding[]): Baseline {
  const entries = findings
    .filter((finding) => finding.suppression === undefined)
    .map((finding) => ({ controlId: finding.controlId, file: finding.file, fingerprint: finding.fingerprint ?? '' }))
    .sort((a, b) => compareText(a.file, b.file) || compareText(a.controlId, b.controlId) || compareText(a.fingerprint, b.fingerprint));
  return { schemaVersion: BASELINE_SCHEMA_VERSION, tool: { name: TOOL_NAME, version: TOOL_VERSION }, findings: entries };
}

export function serializeBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

/** Reads a baseline file's text; any problem is a one-line UsageError naming the file. */
export function parseBaseline(text: string, label: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label}: not a secure-stack baseline: invalid JSON (${String((error as Error).message).split('\n')[0]})`);
  }
  const result = validate(baselineSchema, value);
  if (result.success) return result.data;
  const { path: issuePath, message, unknownKey } = result.problem;
  // An unknown key is named in the message; the path then ends at the object that holds it.
  const shownPath = unknownKey === undefined ? issuePath : issuePath.slice(0, -1);
  const where = shownPath.length > 0 ? `${shownPath.map(String).join('.')}: ` : '';
  throw new UsageError(`${label}: not a secure-stack baseline: ${where}${unknownKey === undefined ? message : `unknown key "${unknownKey}"`}`);
}

/** Whether an existing file is a baseline of this tool (of any schema version): only those may be overwritten. */
export function isBaselineFile(content: Buffer): boolean {
  try {
    const value = JSON.parse(content.toString('utf8')) as { schemaVersion?: unknown; tool?: { name?: unknown }; findings?: unknown };
    return typeof value === 'object' && value !== null && typeof value.schemaVersion === 'number' && value.tool?.name === TOOL_NAME && Array.isArray(value.findings);
  } catch {
    return false;
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
