/** Text report: findings grouped by layer, one line each: `ID severity file:line message — fix`. */
import { controlOf, severityRank, type Finding } from '../finding.js';
import type { Severity } from '../../controls/catalog.js';
import type { CheckResult } from '../run.js';

export function formatText(result: CheckResult, failOn: Severity): string {
  const lines: string[] = [];
  const byLayer = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    const layer = controlOf(finding.controlId).layer;
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), finding]);
  }
  for (const [layer, findings] of [...byLayer].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`${layer} (${findings.length})`);
    for (const finding of findings) {
      lines.push(`  ${finding.controlId} ${finding.severity} ${finding.file}:${finding.line} ${finding.message} — ${finding.fix}`);
    }
    lines.push('');
  }
  for (const note of result.notes) lines.push(`note ${note.file}${note.line === undefined ? '' : `:${note.line}`} ${note.message}`);
  if (result.notes.length > 0) lines.push('');
  const failing = result.findings.filter((finding) => severityRank(finding.severity) >= severityRank(failOn)).length;
  lines.push(
    `${result.findings.length} finding(s), ${failing} at or above ${failOn}; ${result.filesChecked} file(s) checked against ${result.controlIds.length} control(s)`,
  );
  return `${lines.join('\n')}\n`;
}
