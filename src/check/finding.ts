/**
 * The finding model of `secure-stack check`: one violated control at one place in one file.
 * Title and layer always come from the control catalog; so does severity, unless a check states a milder case for one finding.
 */
import { getControl, type Control, type Severity } from '../controls/catalog.js';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** 0 for low … 3 for critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

export interface Location {
  /** POSIX path relative to the checked root. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** Why a finding does not count: a reasoned suppression in the file itself or in `.secure-stack.yaml`. */
export interface Suppression {
  /** `inline`: `secure-stack: ignore[ID]` on or above the line; `file`: `ignore-file[ID]`; `manifest`: `.secure-stack.yaml`. */
  kind: 'inline' | 'file' | 'manifest';
  reason: string;
  /** Who accepted the risk (manifest entries only). */
  owner?: string;
  /** Last day (YYYY-MM-DD, UTC) the manifest entry is honoured. */
  expires?: string;
}

/** Against a baseline: `unchanged` findings were known when it was written and do not fail the run. */
export type BaselineState = 'new' | 'unchanged';

export interface Finding extends Location {
  controlId: string;
  severity: Severity;
  /** What is wrong, here. */
  message: string;
  /** How to fix it. */
  fix: string;
  /**
   * Identity of the finding that survives line moves (see baseline.ts); set by checkRepository for every
   * finding, used by baselines and as SARIF partialFingerprints.
   */
  fingerprint?: string;
  suppression?: Suppression;
  /** Set on every finding when the run compared against a baseline. */
  baselineState?: BaselineState;
}

/** Something the checker could not evaluate (malformed YAML, an unreadable or huge file): reported, never fatal. */
export interface Note {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export function controlOf(controlId: string): Control {
  const control = getControl(controlId);
  if (control === undefined) throw new Error(`check for unknown control ${controlId}`);
  return control;
}

export function makeFinding(controlId: string, location: Location, message: string, fix: string, severity?: Severity): Finding {
  return { controlId, severity: severity ?? controlOf(controlId).severity, ...location, message, fix };
}

/** A finding that counts: neither suppressed nor known in the baseline. Only these can fail a run. */
export function isActive(finding: Finding): boolean {
  return finding.suppression === undefined && finding.baselineState !== 'unchanged';
}

/** The active findings at or above the threshold: the run fails when there is one. */
export function failingFindings(findings: readonly Finding[], failOn: Severity): Finding[] {
  return findings.filter((finding) => isActive(finding) && severityRank(finding.severity) >= severityRank(failOn));
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.controlId < b.controlId ? -1 : a.controlId > b.controlId ? 1 : 0)
  );
}
