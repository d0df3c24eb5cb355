/**
 * manifest → the files this version's templates give for its answers. diff compares the repository with
 * this; upgrade uses it as "theirs" (and, file by file when the hashes agree, as the base).
 */
import { UsageError } from '../errors.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../manifest/manifest.js';
import { renderInputFromManifest, renderProject, type ProjectFile, type RenderedProject } from '../pipeline/generate.js';
import type { Tree } from '../tree/tree.js';

export interface ManifestRender {
  project: RenderedProject;
  /** Rendered files by path. */
  files: Map<string, ProjectFile>;
}

/** Reads `.secure-stack.yaml` at the Tree's root; no manifest is a one-line usage error (exit 2). */
export function readManifest(tree: Tree, command: string): Manifest {
  const text = tree.readText(MANIFEST_FILE);
  if (text === undefined) {
    throw new UsageError(`no ${MANIFEST_FILE} in ${tree.root}: \`secure-stack ${command}\` runs at the root of a repository made by create-secure-stack`);
  }
  return parseManifest(text, MANIFEST_FILE);
}

/** Renders what the templates of this version give for the manifest's answers (or for `manifest` with other answers). */
export async function renderFromManifest(manifest: Manifest): Promise<ManifestRender> {
  const project = await renderProject(renderInputFromManifest(manifest));
  return { project, files: new Map(project.files.map((file) => [file.path, file])) };
}
