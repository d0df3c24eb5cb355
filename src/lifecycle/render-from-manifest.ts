/**
 * manifest → the files this version's templates give for its answers. diff compares the repository with
 * this; upgrade uses it as "theirs" (and, file by file when the hashes agree, as the base).
 *
 * A manifest written by `secure-stack add` (`origin: add`) describes only what add created, where it placed
 * it: its render is moved to the layers' recorded folders with add's own `relocate()` (so both agree by
 * construction) and narrowed to the files the manifest lists. A template add did not create is not this
 * repository's (the user's application stands in for it, or add left it out on purpose), and the files add
 * edited in place are the user's: neither appears here, so neither diff nor upgrade ever sees them.
 */
import { UsageError } from '../errors.js';
import { MANIFEST_FILE, parseManifest, sha256, type Manifest } from '../manifest/manifest.js';
import { renderInputFromManifest, renderProject, type ProjectFile, type RenderedProject } from '../pipeline/generate.js';
import type { Tree } from '../tree/tree.js';
import { DEFAULT_DIRS, PLACED_LAYERS, relocate, type LayerDirs } from './add-layout.js';

export interface ManifestRender {
  project: RenderedProject;
  /** Rendered files by their path in this repository (for an add-made manifest: relocated, and only those it records). */
  files: Map<string, ProjectFile>;
  /** The manifest that records this render in this repository (what upgrade writes after success). */
  manifest: Manifest;
}

/** Reads `.secure-stack.yaml` at the Tree's root; no manifest is a one-line usage error (exit 2). */
export function readManifest(tree: Tree, command: string): Manifest {
  const text = tree.readText(MANIFEST_FILE);
  if (text === undefined) {
    throw new UsageError(`no ${MANIFEST_FILE} in ${tree.root}: \`secure-stack ${command}\` runs at the root of a repository made by create-secure-stack`);
  }
  const manifest = parseManifest(text, MANIFEST_FILE);
  // Without `origin: add` every template is re-rendered at its default path, which is right only for the stack's own
  // layout: a layer elsewhere comes from an add that predates the field (or a hand edit), and a diff would be wrong.
  if (manifest.origin === undefined) {
    const moved = PLACED_LAYERS.filter((layer) => manifest.layers[layer] !== undefined && manifest.layers[layer].directory !== DEFAULT_DIRS[layer]);
    if (moved.length > 0) {
      const where = moved.map((layer) => `${layer} in ${manifest.layers[layer]!.directory}/`).join(', ');
      throw new UsageError(`${MANIFEST_FILE} places layers outside their default folders (${where}) but does not say \`origin: add\`: run \`secure-stack add --yes\` once to record it, then \`secure-stack ${command}\``);
    }
  }
  return manifest;
}

/** The folder add placed each layer in: the recorded one, else the default (add's own default for a layer it was not given). */
export function manifestLayerDirs(manifest: Manifest): LayerDirs {
  const dirs: LayerDirs = { ...DEFAULT_DIRS };
  for (const layer of PLACED_LAYERS) {
    const recorded = manifest.layers[layer]?.directory;
    if (recorded !== undefined) dirs[layer] = recorded;
  }
  return dirs;
}

/** Renders what the templates of this version give for the manifest's answers (or for `manifest` with other answers). */
export async function renderFromManifest(manifest: Manifest): Promise<ManifestRender> {
  const project = await renderProject(renderInputFromManifest(manifest));
  if (manifest.origin !== 'add') {
    return { project, files: new Map(project.files.map((file) => [file.path, file])), manifest: project.manifest };
  }
  const dirs = manifestLayerDirs(manifest);
  const files = new Map<string, ProjectFile>();
  for (const file of project.files) {
    const placed = relocate(file.path, dirs);
    // Two templates can land on one path (a web app at the root: its .gitignore and the base one); add created
    // the file from the first and merged the later ones into it, as this keeps the first.
    if (manifest.files[placed] === undefined || files.has(placed)) continue;
    files.set(placed, { ...file, path: placed });
  }
  const recordedFiles: Manifest['files'] = {};
  for (const filePath of [...files.keys()].sort()) {
    const file = files.get(filePath)!;
    recordedFiles[filePath] = { layer: file.layer, sha256: sha256(file.content) };
  }
  // Layers keep the folders add placed them in; a layer the answers no longer have is dropped, as the render drops it.
  const layers = Object.fromEntries(Object.keys(project.manifest.layers).map((id) => [id, manifest.layers[id as keyof Manifest['layers']] ?? project.manifest.layers[id as keyof Manifest['layers']]!]));
  return { project, files, manifest: { ...project.manifest, origin: 'add', layers, files: recordedFiles } };
}
