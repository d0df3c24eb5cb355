/**
 * The registry of checks. A check family is one module that reads one kind of file (GitHub workflows,
 * Dockerfiles, …) with a real parser; each check in it evaluates exactly one catalog control.
 */
import type { Finding, Location, Note } from './finding.js';
import { githubWorkflowFamily } from './checks/github-workflows.js';
import { postgresFamily } from './checks/postgres.js';
import { dockerfilesComposeFamily } from './checks/dockerfiles-compose.js';

export interface CheckSpec {
  /** The catalog control this check evaluates (one control per check). */
  controlId: string;
  /** What the check looks at and what it flags, for `secure-stack check` docs and SARIF help. */
  docs: string;
  /** How to fix a finding. */
  fix: string;
}

export interface SourceFile {
  /** POSIX path relative to the checked root. */
  path: string;
  text: string;
}

export interface Emitter {
  finding(controlId: string, location: Location, message: string): void;
  note(note: Note): void;
}

export interface CheckFamily {
  id: string;
  title: string;
  checks: readonly CheckSpec[];
  /** Whether this family reads the file at this relative path. */
  selects(path: string): boolean;
  /** Evaluates every check of the family on one file. Never throws on bad input: it emits a note instead. */
  scan(file: SourceFile, emit: Emitter): void;
}

export const CHECK_FAMILIES: readonly CheckFamily[] = [githubWorkflowFamily, dockerfilesComposeFamily, postgresFamily];

export const ALL_CHECKS: readonly CheckSpec[] = CHECK_FAMILIES.flatMap((family) => family.checks);

export function checkFor(controlId: string): CheckSpec | undefined {
  return ALL_CHECKS.find((check) => check.controlId === controlId);
}

export type { Finding };
