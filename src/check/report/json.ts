/**
 * JSON report. Shape (schemaVersion 1; fields are only ever added within a schema version):
 *
 * {
 *   "schemaVersion": 1,
 *   "tool": { "name": "create-secure-stack", "version": "0.1.0" },
 *   "root": "/abs/path",                 // the checked directory
 *   "failOn": "high",                    // the threshold
 *   "failed": true,                      // an active finding is at or above failOn (exit code 1)
 *   "controls": ["CI-01", …],            // controls evaluated
 *   "summary": { "filesDiscovered": 12, "filesChecked": 2,
 *                "findings": 5,          // every finding listed below
 *                "active": 3,            // neither suppressed nor unchanged against the baseline
 *                "failing": 2,           // active and at or above failOn
 *                "suppressed": 1, "unchanged": 1,
 *                "bySeverity": { "low": 0, "medium": 1, "high": 2, "critical": 0 } },   // active findings
 *   "findings": [ { "controlId": "CI-02", "title": "…", "layer": "ci", "severity": "high",
 *                   "file": ".github/workflows/ci.yml", "line": 12, "column": 15,   // 1-based
 *                   "message": "what is wrong", "fix": "how to fix it",
 *                   "fingerprint": "<64 hex>",            // stable across line moves (baseline.ts)
 *                   "suppression": { "kind": "inline" | "file" | "manifest", "reason": "…",
 *                                    "owner": "…", "expires": "YYYY-MM-DD" },   // only when suppressed
 *                   "baselineState": "new" | "unchanged" } ],                    // only with --baseline
 *   "notes": [ { "file": "…", "line": 3, "column": 1, "message": "not checked: malformed YAML (…)" } ]
 * }
 */
import { TOOL_NAME, TOOL_VERSION } from '../../package-root.js';
import type { Severity } from '../../controls/catalog.js';
import { controlOf, failingFindings, isActive, SEVERITIES } from '../finding.js';
import type { CheckResult } from '../run.js';

/** Whether the run fails: an active finding at or above the threshold. */
export function isFailing(result: CheckResult, failOn: Severity): boolean {
  return failingFindings(result.findings, failOn).length > 0;
}

export function formatJson(result: CheckResult, failOn: Severity): string {
  const active = result.findings.filter(isActive);
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, active.filter((f) => f.severity === severity).length]));
  const report = {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    root: result.root,
    failOn,
    failed: isFailing(result, failOn),
    controls: result.controlIds,
    summary: {
      filesDiscovered: result.filesDiscovered,
      filesChecked: result.filesChecked,
      findings: result.findings.length,
      active: active.length,
      failing: failingFindings(result.findings, failOn).length,
      suppressed: result.findings.filter((f) => f.suppression !== undefined).length,
      unchanged: result.findings.filter((f) => f.suppression === undefined && f.baselineState === 'unchanged').length,
      bySeverity,
    },
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
        fingerprint: finding.fingerprint,
        ...(finding.suppression === undefined ? {} : { suppression: finding.suppression }),
        ...(finding.baselineState === undefined ? {} : { baselineState: finding.baselineState }),
      };
    }),
    notes: result.notes,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
