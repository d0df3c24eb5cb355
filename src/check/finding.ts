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

export interface Finding extends Location {
  controlId: string;
  severity: Severity;
  /** What is wrong, here. */
  message: string;
  /** How to fix it. */
  fix: string;
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

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.controlId < b.controlId ? -1 : a.controlId > b.controlId ? 1 : 0)
  );
}
