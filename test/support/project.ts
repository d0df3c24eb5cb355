/** Renders a project in-process and writes it to a temporary directory, for layer tests that run real tools on it. */
import { defaultAnswers, type Answers } from '../../src/answers/schema.js';
import { finaliseAnswers } from '../../src/answers/resolve.js';
import { writeProject, type RenderedProject, type RenderInput } from '../../src/pipeline/generate.js';
import { DiskAdapter } from '../../src/tree/disk.js';
import { Tree } from '../../src/tree/tree.js';
import { makeTempDir } from './cli.js';

export const TEST_GENERATED_ON = '2026-11-27';

export function testAnswers(overrides: Partial<Answers> = {}): Answers {
  const projectName = overrides.projectName ?? 'demo-app';
  return finaliseAnswers({ ...defaultAnswers(projectName), ...overrides, projectName });
}

export interface GeneratedProject {
  dir: string;
  answers: Answers;
  project: RenderedProject;
}

/** Generates into a fresh temporary directory (the caller removes it with removeDir). */
export async function generateProject(
  overrides: Partial<Answers> = {},
  extras: Pick<RenderInput, 'baseImageDigests'> = {},
): Promise<GeneratedProject> {
  const dir = makeTempDir('secure-stack-project-');
  const answers = testAnswers(overrides);
  const tree = new Tree(new DiskAdapter(dir));
  const project = await writeProject(tree, { answers, presets: [], generatedOn: TEST_GENERATED_ON, ...extras });
  await tree.commit();
  return { dir, answers, project };
}

/** Stand-in digests for every base image, as `new --pin-digests` would write them when a registry answers. */
export async function fakeBaseImageDigests(): Promise<Record<string, string>> {
  const { BASE_IMAGES } = await import('../../src/layers/containers/images.js');
  return Object.fromEntries(Object.values(BASE_IMAGES).map((image, index) => [image.reference, `sha256:${String(index + 1).repeat(64)}`]));
}
