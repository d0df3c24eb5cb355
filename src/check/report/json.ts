/**
 * JSON report. Shape (schemaVersion 1):
 *
 * {
 *   "schemaVersion": 1,
 *   "tool": { "name": "create-secure-stack", "version": "0.1.0" },
 *   "root": "/abs/path",                 // the checked directory
 *   "failOn": "high",                    // the threshold
 *   "failed": true,                      // a finding is at or above failOn (exit code 1)
 *   "controls": ["CI-01", …],            // controls evaluated
 *   "summary": { "filesDiscovered": 12, "filesChecked": 2, "findings": 3,
 *                "bySeverity": { "low": 0, "medium": 1, "high": 2, "critical": 0 } },
 *   "findings": [ { "controlId": "CI-02", "title": "…", "layer": "ci", "severity": "high",
 *                   "file": ".github/workflows/ci.yml", "line": 12, "column": 15,   // 1-based
 *                   "message": "what is wrong", "fix": "how to fix it" } ],
 *   "notes": [ { "file": "…", "line": 3, "column": 1, "message": "not checked: malformed YAML (…)" } ]
 * }
 */
import { TOOL_NAME, TOOL_VERSION } from '../../package-root.js';
import type { Severity } from '../../controls/catalog.js';
import { controlOf, SEVERITIES, severityRank } from '../finding.js';
import type { CheckResult } from '../run.js';

export function isFailing(result: CheckResult, failOn: Severity): boolean {
  return result.findings.some((finding) => severityRank(finding.severity) >= severityRank(failOn));
}

export function formatJson(result: CheckResult, failOn: Severity): string {
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, result.findings.filter((f) => f.severity === severity).length]));
  const report = {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    root: result.root,
    failOn,
    failed: isFailing(result, failOn),
    controls: result.controlIds,
    summary: { filesDiscovered: result.filesDiscovered, filesChecked: result.filesChecked, findings: result.findings.length, bySeverity },
    findings: result.findings.map((finding) => {
      const control = controlOf(finding.controlId);
      return {
        controlId: finding.controlId,
        title: control.title,
        layer: control.layer,
        severity: finding.severity,
        file: finding.file,
        line: finding.line,
        column: finding.column,
        message: finding.message,
        fix: finding.fix,
      };
    }),
    notes: result.notes,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
