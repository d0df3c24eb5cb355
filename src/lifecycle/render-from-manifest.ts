/**
 * manifest → the files this version's templates give for its answers. diff compares the repository with
 * this; upgrade uses it as "theirs" (and, file by file when the hashes agree, as the base).
 */
import type { LayerName } from '../answers/schema.js';
import { UsageError } from '../errors.js';
import { LAYERS } from '../layers/registry.js';
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
  const manifest = parseManifest(text, MANIFEST_FILE);
  // `add` may place a layer in the user's own folder; re-rendering does not relocate files (yet), so saying so beats a wrong diff.
  const moved = Object.entries(manifest.layers).filter(([id, layer]) => layer !== undefined && id in LAYERS && LAYERS[id as LayerName].directory !== layer.directory);
  if (moved.length > 0) {
    const where = moved.map(([id, layer]) => `${id} in ${layer!.directory}/`).join(', ');
    throw new UsageError(`\`secure-stack ${command}\` does not support layers outside their default folders yet (${where}, placed by \`secure-stack add\`)`);
  }
  return manifest;
}

/** Renders what the templates of this version give for the manifest's answers (or for `manifest` with other answers). */
export async function renderFromManifest(manifest: Manifest): Promise<ManifestRender> {
  const project = await renderProject(renderInputFromManifest(manifest));
  return { project, files: new Map(project.files.map((file) => [file.path, file])) };
}
