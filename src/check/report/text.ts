/**
 * Text report: findings grouped by layer, one line each: `ID severity file:line message — fix`. Suppressed
 * findings and those unchanged against the baseline do not count and are not listed unless asked
 * (`showSuppressed`); the summary line always counts them.
 */
import { controlOf, failingFindings, isActive, type Finding } from '../finding.js';
import type { Severity } from '../../controls/catalog.js';
import type { CheckResult } from '../run.js';

export interface TextOptions {
  /** List suppressed and baseline findings too, each marked with why it does not count. */
  showSuppressed?: boolean;
}

export function formatText(result: CheckResult, failOn: Severity, options: TextOptions = {}): string {
  const lines: string[] = [];
  const listed = options.showSuppressed ? result.findings : result.findings.filter(isActive);
  const byLayer = new Map<string, Finding[]>();
  for (const finding of listed) {
    const layer = controlOf(finding.controlId).layer;
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), finding]);
  }
  for (const [layer, findings] of [...byLayer].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`${layer} (${findings.length})`);
    for (const finding of findings) {
      lines.push(`  ${finding.controlId} ${finding.severity} ${finding.file}:${finding.line} ${finding.message} — ${finding.fix}${status(finding)}`);
    }
    lines.push('');
  }
  for (const note of result.notes) lines.push(`note ${note.file}${note.line === undefined ? '' : `:${note.line}`} ${note.message}`);
  if (result.notes.length > 0) lines.push('');
  const active = result.findings.filter(isActive).length;
  const suppressed = result.findings.filter((finding) => finding.suppression !== undefined).length;
  const unchanged = result.findings.filter((finding) => finding.suppression === undefined && finding.baselineState === 'unchanged').length;
  const notCounted = [...(suppressed > 0 ? [`${suppressed} suppressed`] : []), ...(unchanged > 0 ? [`${unchanged} in the baseline`] : [])];
  lines.push(
    `${active} finding(s), ${failingFindings(result.findings, failOn).length} at or above ${failOn}` +
      (notCounted.length > 0 ? ` (not counted: ${notCounted.join(', ')}${options.showSuppressed ? '' : '; --show-suppressed lists them'})` : '') +
      `; ${result.filesChecked} file(s) checked against ${result.controlIds.length} control(s)`,
  );
  return `${lines.join('\n')}\n`;
}

/** Why a listed finding does not count, or that it is new against the baseline. */
function status(finding: Finding): string {
  const suppression = finding.suppression;
  if (suppression !== undefined) {
    const where = suppression.kind === 'manifest' ? '.secure-stack.yaml' : suppression.kind === 'file' ? 'ignore-file' : 'ignore';
    const details = [where, ...(suppression.owner === undefined ? [] : [`owner ${suppression.owner}`]), ...(suppression.expires === undefined ? [] : [`until ${suppression.expires}`])];
    return ` [suppressed (${details.join(', ')}): ${suppression.reason}]`;
  }
  if (finding.baselineState === 'unchanged') return ' [baseline]';
  if (finding.baselineState === 'new') return ' [new]';
  return '';
}
