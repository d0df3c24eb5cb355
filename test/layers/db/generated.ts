/** The db layer's generated files, rendered in process, and the rules that read them. Shared by the db layer tests. */
import type { Answers } from '../../../src/answers/schema.js';
import { deriveNames } from '../../../src/answers/names.js';
import { dbRoles, type DbRoles } from '../../../src/layers/db/index.js';
import { renderProject, type RenderedProject } from '../../../src/pipeline/generate.js';
import { TEST_GENERATED_ON, testAnswers } from '../../support/project.js';

export interface DbFiles {
  project: RenderedProject;
  prefix: string;
  roles: DbRoles;
  /** The text of a generated file; throws when it was not generated. */
  text(filePath: string): string;
  /** Generated paths under a folder, in name order (the order psql applies them in). */
  list(folder: string, suffix: string): string[];
}

export async function renderDb(overrides: Partial<Answers> = {}): Promise<DbFiles> {
  const answers = testAnswers({ layers: ['db'], ...overrides });
  const project = await renderProject({ answers, presets: [], generatedOn: TEST_GENERATED_ON });
  const prefix = deriveNames(answers.projectName).dbPrefix;
  const byPath = new Map(project.files.map((file) => [file.path, file.content.toString('utf8')]));
  return {
    project,
    prefix,
    roles: dbRoles(prefix),
    text(filePath) {
      const content = byPath.get(filePath);
      if (content === undefined) throw new Error(`${filePath} was not generated; got ${[...byPath.keys()].join(', ')}`);
      return content;
    },
    list(folder, suffix) {
      return [...byPath.keys()].filter((file) => file.startsWith(`${folder}/`) && file.endsWith(suffix) && !file.slice(folder.length + 1).includes('/')).sort();
    },
  };
}

/** The `\echo 'ok - …'` lines of a generated test script: what a passing run prints, in order. */
export function okLines(script: string): string[] {
  return [...script.matchAll(/^\\echo '(ok - [^']*)'$/gm)].map((match) => match[1]!);
}

/** One edit of a generated file: `find` must occur in it exactly once. */
export interface Change {
  file: string;
  find: string;
  replace: string;
}

/** A control removed (or weakened) in the generated files. */
export interface Mutation {
  control: string;
  name: string;
  changes: Change[];
  /** What the failing run must print: the FAIL message or error of the check that catches it. */
  expect: RegExp;
}

/** The generated files a mutation touches, with its changes applied. */
export function mutatedFiles(db: DbFiles, mutation: Mutation): Record<string, string> {
  const files: Record<string, string> = {};
  for (const change of mutation.changes) {
    const text = files[change.file] ?? db.text(change.file);
    const count = text.split(change.find).length - 1;
    if (count !== 1) {
      throw new Error(`mutation "${mutation.name}": expected ${JSON.stringify(change.find)} once in ${change.file}, found it ${count} times`);
    }
    files[change.file] = text.replace(change.find, () => change.replace);
  }
  return files;
}
