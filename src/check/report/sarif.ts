/**
 * SARIF 2.1.0 report for GitHub code scanning: one rule per evaluated control (name, short and full
 * description, help with the fix, references), results at `file:line:column` relative to %SRCROOT%,
 * tool name and version from package.json. Notes become tool execution notifications.
 *
 * Every finding is a result: a suppressed one carries `suppressions` (`inSource` for a comment in the file,
 * `external` for `.secure-stack.yaml`, status `accepted`, the reason as justification); with a baseline
 * each result has `baselineState` (`unchanged` or `new`); `partialFingerprints` holds the fingerprint that
 * survives line moves (baseline.ts).
 */
import type { Control, ControlReference, Severity } from '../../controls/catalog.js';
import { TOOL_NAME, TOOL_VERSION } from '../../package-root.js';
import { FINGERPRINT_KEY } from '../baseline.js';
import { controlOf, type Finding } from '../finding.js';
import { checkFor } from '../registry.js';
import type { CheckResult } from '../run.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://www.npmjs.com/package/create-secure-stack';

const LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = { low: 'note', medium: 'warning', high: 'error', critical: 'error' };
/** GitHub's security-severity scale (0.1–10): critical > 9, high 7–8.9, medium 4–6.9, low < 4. */
const SECURITY_SEVERITY: Record<Severity, string> = { low: '3.0', medium: '5.5', high: '8.0', critical: '9.5' };

function referenceText(reference: ControlReference): string {
  return `${reference.kind}: ${reference.id}${reference.url ? ` (${reference.url})` : ''}`;
}

function ruleName(control: Control): string {
  return control.title
    .replace(/[^A-Za-z0-9 ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

function rule(control: Control) {
  const check = checkFor(control.id);
  const fix = check?.fix ?? control.summary;
  const references = control.references.map(referenceText);
  const helpText = [`${control.summary}`, `Fix: ${fix}`, `What is checked: ${check?.docs ?? control.verify}`, ...(references.length ? [`References: ${references.join('; ')}`] : [])].join('\n');
  const helpMarkdown = [
    control.summary,
    '',
    `**Fix:** ${fix}`,
    '',
    `**What is checked:** ${check?.docs ?? control.verify}`,
    ...(references.length ? ['', '**References:**', ...control.references.map((r) => `- ${r.url ? `[${r.kind}: ${r.id}](${r.url})` : `${r.kind}: ${r.id}`}`)] : []),
  ].join('\n');
  const helpUri = control.references.find((reference) => reference.url)?.url;
  return {
    id: control.id,
    name: ruleName(control),
    shortDescription: { text: control.title },
    fullDescription: { text: `${control.summary} Stops: ${control.stops}.` },
    help: { text: helpText, markdown: helpMarkdown },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: LEVEL[control.severity] },
    properties: {
      tags: ['security', control.layer, control.family],
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[control.severity],
      references: references,
    },
  };
}

export function formatSarif(result: CheckResult): string {
  const ruleIds = [...new Set([...result.controlIds, ...result.findings.map((finding) => finding.controlId)])];
  const rules = ruleIds.map((id) => rule(controlOf(id)));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: result.notes.map((note) => ({
              level: 'warning',
              message: { text: note.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: encodeUri(note.file), uriBaseId: '%SRCROOT%' },
                    ...(note.line === undefined ? {} : { region: { startLine: note.line, startColumn: note.column ?? 1 } }),
                  },
                },
              ],
            })),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: result.findings.map((finding) => ({
          ruleId: finding.controlId,
          ruleIndex: ruleIds.indexOf(finding.controlId),
          level: LEVEL[finding.severity],
          message: { text: `${finding.message}. Fix: ${finding.fix}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeUri(finding.file), uriBaseId: '%SRCROOT%' },
                region: { startLine: finding.line, startColumn: finding.column },
              },
            },
          ],
          ...(finding.fingerprint === undefined ? {} : { partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint } }),
          ...(finding.suppression === undefined ? {} : { suppressions: [suppressionOf(finding.suppression)] }),
          ...(finding.baselineState === undefined ? {} : { baselineState: finding.baselineState }),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function suppressionOf(suppression: NonNullable<Finding['suppression']>) {
  const terms = [...(suppression.owner === undefined ? [] : [`owner: ${suppression.owner}`]), ...(suppression.expires === undefined ? [] : [`expires: ${suppression.expires}`])];
  return {
    kind: suppression.kind === 'manifest' ? 'external' : 'inSource',
    status: 'accepted',
    justification: terms.length === 0 ? suppression.reason : `${suppression.reason} (${terms.join('; ')})`,
    properties: { secureStackKind: suppression.kind, ...(suppression.owner === undefined ? {} : { owner: suppression.owner }), ...(suppression.expires === undefined ? {} : { expires: suppression.expires }) },
  };
}

/** A relative POSIX path as a relative URI reference. */
function encodeUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}
