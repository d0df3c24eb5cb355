/**
 * The registry of checks. A check family is one module that reads one kind of file (GitHub workflows,
 * Dockerfiles, …) with a real parser; each check in it evaluates exactly one catalog control.
 */
import type { Severity } from '../controls/catalog.js';
import type { Finding, Location, Note } from './finding.js';
import { githubWorkflowFamily } from './checks/github-workflows.js';
import { repositoryFilesFamily } from './checks/repository-files.js';
import { postgresFamily } from './checks/postgres.js';
import { dockerfilesComposeFamily } from './checks/dockerfiles-compose.js';
import { fastapiFamily } from './checks/fastapi.js';
import { nextjsFamily } from './checks/nextjs.js';

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

export interface FindingOptions {
  /**
   * A lower (or higher) severity than the catalog's for this one finding, when the check knows the case is
   * milder (a tag-pinned base image is weaker than a digest but far from an unpinned `latest`).
   */
  severity?: Severity;
}

export interface Emitter {
  finding(controlId: string, location: Location, message: string, options?: FindingOptions): void;
  note(note: Note): void;
}

/** Facts of the run itself that a check may need. */
export interface RunContext {
  /** The time expiries are judged against (security.txt `Expires`): the clock, or what the caller fixed. */
  readonly now: Date;
}

/** What a family may ask about the whole checked repository in `finish`. */
export interface RepositoryView extends RunContext {
  /** Every discovered file (after ignores), POSIX paths relative to the root. */
  readonly paths: ReadonlySet<string>;
}

export interface CheckFamily {
  id: string;
  title: string;
  checks: readonly CheckSpec[];
  /** Whether this family reads the file at this relative path. */
  selects(path: string): boolean;
  /** Evaluates every check of the family on one file. Never throws on bad input: it emits a note instead. */
  scan(file: SourceFile, emit: Emitter, run: RunContext): void;
  /**
   * Evaluates what needs several files at once (a Dockerfile and its .dockerignore, RLS enabled by a later
   * migration, a router included with auth elsewhere), after every selected file was scanned. `files` are
   * the files this family selected and read, in discovery order. Never throws on bad input.
   */
  finish?(files: readonly SourceFile[], emit: Emitter, repository: RepositoryView): void;
}

export const CHECK_FAMILIES: readonly CheckFamily[] = [githubWorkflowFamily, repositoryFilesFamily, dockerfilesComposeFamily, postgresFamily, fastapiFamily, nextjsFamily];

export const ALL_CHECKS: readonly CheckSpec[] = CHECK_FAMILIES.flatMap((family) => family.checks);

export function checkFor(controlId: string): CheckSpec | undefined {
  return ALL_CHECKS.find((check) => check.controlId === controlId);
}

export type { Finding };
