/**
 * answers → render → format → Tree. Every command that needs "what the templates say for these answers"
 * (new, and later diff/add/upgrade) calls renderProject(); only `new` commits the Tree to disk.
 */
import { canonicalLayers, type Answers } from '../answers/schema.js';
import { RenderError } from '../errors.js';
import { formatFiles } from '../format/format.js';
import { alignMarkdownTables } from '../format/markdown-tables.js';
import { LAYERS, baseLayer } from '../layers/registry.js';
import type { LayerDefinition } from '../layers/types.js';
import { MANIFEST_FILE, serializeManifest, sha256, type Manifest } from '../manifest/manifest.js';
import { TOOL_NAME, TOOL_VERSION } from '../package-root.js';
import type { PresetRef } from '../presets/presets.js';
import { loadPrecompiledTemplates, preformattedTemplates, renderLayer } from '../render/templates.js';
import type { Tree } from '../tree/tree.js';
import { buildContext } from './context.js';

export interface ProjectFile {
  path: string;
  content: Buffer;
  executable: boolean;
  layer: LayerDefinition['id'];
  /** The template it was rendered from (relative to templates/) and that template's sha256. */
  template: string;
  templateSha256: string;
}

export interface RenderedProject {
  files: ProjectFile[];
  manifest: Manifest;
  /** Chosen layers this version has no templates for yet. */
  pendingLayers: LayerDefinition[];
}

export interface RenderInput {
  answers: Answers;
  /** The preset chain; the manifest records each one's name and whether it is built in. */
  presets: ReadonlyArray<Pick<PresetRef, 'name' | 'builtin'>>;
  generatedOn: string;
  /** `new --pin-digests`: base image reference (name:tag) → sha256 digest from its registry; recorded in the manifest. */
  baseImageDigests?: Readonly<Record<string, string>>;
}

/** Values a layer's `context()` may read besides the shared RenderContext (templates never see them directly). */
export interface RenderExtras {
  baseImageDigests: Readonly<Record<string, string>>;
}

/**
 * How prettier is applied. 'skip-preformatted' (what every command uses): outputs of templates vouched for in
 * templates/preformatted.json are not formatted again, because they are already in prettier's format.
 * 'all': prettier on every file it owns, the reference the tests compare 'skip-preformatted' with byte for byte.
 * 'none': the raw render (scripts/verify-preformatted-templates.mjs decides from it what to vouch for).
 */
export type Formatting = 'skip-preformatted' | 'all' | 'none';

export async function renderProject(input: RenderInput, formatting: Formatting = 'skip-preformatted'): Promise<RenderedProject> {
  await loadPrecompiledTemplates();
  const context = buildContext(input.answers, input.generatedOn);
  const chosen = canonicalLayers(input.answers.layers).map((id) => LAYERS[id]);
  const rendered = new Map<string, ProjectFile>();
  const alreadyFormatted = new Set<string>();
  const tablesToAlign = new Set<string>();
  const preformatted = formatting === 'skip-preformatted' ? preformattedTemplates() : { asIs: new Map(), tablesAligned: new Map() };
  const extras: RenderExtras = { baseImageDigests: input.baseImageDigests ?? {} };
  for (const layer of [baseLayer, ...chosen.filter((definition) => definition.generated)]) {
    const layerContext = layer.context ? { ...context, ...layer.context({ ...context, ...extras }) } : context;
    for (const file of renderLayer(layer.id, layerContext)) {
      const destination = layer.place ? layer.place(file.path, context) : file.path;
      if (destination === undefined) continue;
      const previous = rendered.get(destination);
      if (previous) throw new RenderError(`layers ${previous.layer} and ${layer.id} both generate ${destination}`);
      rendered.set(destination, {
        path: destination,
        content: file.content,
        executable: file.executable,
        layer: layer.id,
        template: file.template,
        templateSha256: file.templateSha256,
      });
      if (preformatted.asIs.get(file.template) === file.templateSha256) alreadyFormatted.add(destination);
      else if (preformatted.tablesAligned.get(file.template) === file.templateSha256) tablesToAlign.add(destination);
    }
  }

  for (const filePath of tablesToAlign) {
    const file = rendered.get(filePath)!;
    const aligned = alignMarkdownTables(file.content.toString('utf8'));
    if (aligned === undefined) continue; // a table it cannot vouch for: prettier formats this file below
    file.content = Buffer.from(aligned, 'utf8');
    alreadyFormatted.add(filePath);
  }
  if (formatting !== 'none') {
    const toFormat = [...rendered.values()].filter((file) => !alreadyFormatted.has(file.path));
    const formatted = await formatFiles(toFormat.map((file) => ({ path: file.path, content: file.content.toString('utf8') })));
    for (const [filePath, text] of formatted) rendered.get(filePath)!.content = Buffer.from(text, 'utf8');
  }

  const files = [...rendered.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: Manifest = {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    templateVersion: TOOL_VERSION,
    generatedOn: input.generatedOn,
    presets: input.presets.map((preset) => ({ name: preset.name, builtin: preset.builtin })),
    answers: context.answers,
    layers: Object.fromEntries(
      [baseLayer, ...chosen].map((layer) => [layer.id, { directory: layer.directory, generated: layer.generated }]),
    ),
    ...recordedDigests(extras.baseImageDigests),
    files: Object.fromEntries(files.map((file) => [file.path, { layer: file.layer, sha256: sha256(file.content) }])),
  };
  return { files, manifest, pendingLayers: chosen.filter((definition) => !definition.generated) };
}

/** The digests as the manifest records them: sorted by reference (stable text), and no key when there are none. */
function recordedDigests(digests: Readonly<Record<string, string>>): Pick<Manifest, 'baseImageDigests'> {
  const references = Object.keys(digests).sort();
  if (references.length === 0) return {};
  return { baseImageDigests: Object.fromEntries(references.map((reference) => [reference, digests[reference]!])) };
}

/**
 * What to render to reproduce the files a manifest describes (for `diff` and `upgrade`): its answers, presets,
 * generation date and base image digests. The templates are this version's; the manifest says which version
 * generated the files.
 */
export function renderInputFromManifest(manifest: Manifest): RenderInput {
  return {
    answers: manifest.answers,
    presets: manifest.presets.map((preset) => ({ name: preset.name, builtin: preset.builtin })),
    generatedOn: manifest.generatedOn,
    ...(manifest.baseImageDigests === undefined ? {} : { baseImageDigests: { ...manifest.baseImageDigests } }),
  };
}

/** Renders the project into the Tree (in memory), manifest included. */
export async function writeProject(tree: Tree, input: RenderInput): Promise<RenderedProject> {
  const project = await renderProject(input);
  for (const file of project.files) tree.write(file.path, file.content, { executable: file.executable });
  tree.write(MANIFEST_FILE, serializeManifest(project.manifest));
  return project;
}
