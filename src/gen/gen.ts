/**
 * `secure-stack gen`: micro-generators that stamp out a route, a table, a Server Action, a page or a secret the hardened
 * way.
 *
 * The generators themselves (names, files, insert-if-missing edits) live in one plain-JS module,
 * templates/base/dot_secure-stack/generators/generators.mjs, which every generated repository also gets (under
 * .secure-stack/generators/, loaded by its plopfile.mjs), so `npx plop route invoices` in the repository and
 * `secure-stack gen route invoices` stamp out the same files. Here node-plop runs that module's generators with
 * action types bound to the Tree: nothing reaches the disk before commit(), --dry-run is the Tree's plan, and
 * templates render through the strict Handlebars pipeline (every mustache an escaper call).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deriveNames, projectNameProblem } from '../answers/names.js';
import { RenderError, UsageError } from '../errors.js';
import { readManifest } from '../lifecycle/render-from-manifest.js';
import { MANIFEST_FILE, serializeManifest, sha256, type GeneratedComponent } from '../manifest/manifest.js';
import { compileTemplate } from '../render/handlebars.js';
import { TEMPLATES_DIR } from '../render/templates.js';
import { DiskAdapter } from '../tree/disk.js';
import type { PlannedFile, Tree } from '../tree/tree.js';

export const GENERATOR_NAMES = ['route', 'table', 'action', 'page', 'secret'] as const;
export type GeneratorName = (typeof GENERATOR_NAMES)[number];

/** Where the generators live in this package (and, under .secure-stack/generators/, in every generated repo). */
export const GENERATORS_TEMPLATE_DIR = 'base/dot_secure-stack/generators';
export const GENERATORS_MODULE = 'generators.mjs';

/** The forms of a component name, as generators.mjs derives them. */
export interface NameForms {
  kebab: string;
  snake: string;
  camel: string;
  pascal: string;
  title: string;
}

export interface ComponentNames extends NameForms {
  given: string;
  /** What the component works on: the name itself, or for an action the resource after its verb. */
  resource: NameForms;
  /** One row of the resource (`invoices` → `invoice`). */
  item: NameForms;
}

/** What one file-writing runner gives generators.mjs: reads, listings, writes, templates and rendering. */
export interface GeneratorIO {
  read(file: string): string | undefined;
  list(dir: string): string[];
  write(file: string, text: string): void;
  template(name: string): string;
  render(text: string, label: string, data: object): string;
}

interface PlopLike {
  setActionType(name: string, action: (answers: Record<string, unknown>, config: Record<string, unknown>) => unknown): void;
  setGenerator(name: string, config: object): void;
}

/** The surface of generators.mjs this module uses (it is plain JS, shipped as a template). */
export interface GeneratorsModule {
  GENERATOR_NAMES: readonly string[];
  nameProblem(raw: string): string | undefined;
  componentNames(generator: string, raw: string): ComponentNames;
  templateData(generator: string, names: ComponentNames, project: { dbPrefix: string }): object;
  planComponent(generator: string, names: ComponentNames, repo: Pick<GeneratorIO, 'read' | 'list'>): { files: Array<{ template: string; path: string }> };
  registerGenerators(plop: PlopLike, options: { project: { dbPrefix: string }; io: GeneratorIO }): void;
  ESCAPERS: Record<string, (value: unknown) => string>;
}

let loaded: Promise<GeneratorsModule> | undefined;

export function loadGeneratorsModule(): Promise<GeneratorsModule> {
  loaded ??= import(pathToFileURL(path.join(TEMPLATES_DIR, GENERATORS_TEMPLATE_DIR, GENERATORS_MODULE)).href) as Promise<GeneratorsModule>;
  return loaded;
}

export function isGeneratorName(value: string): value is GeneratorName {
  return (GENERATOR_NAMES as readonly string[]).includes(value);
}

/**
 * The component name, checked twice: by generators.mjs (the rules the repository's plopfile applies too) and, on
 * its kebab-case form, by the project-name rules of src/answers/names.ts. Throws a one-line UsageError.
 */
export async function componentNames(generator: GeneratorName, raw: string): Promise<ComponentNames> {
  const generators = await loadGeneratorsModule();
  let names: ComponentNames;
  try {
    names = generators.componentNames(generator, raw);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const problem = projectNameProblem(names.kebab);
  if (problem !== undefined) throw new UsageError(`invalid ${generator} name ${JSON.stringify(raw)}: ${problem}`);
  return names;
}

export interface GenerateRequest {
  generator: GeneratorName;
  name: string;
  /** YYYY-MM-DD, recorded in the manifest. */
  generatedOn: string;
}

export interface GenerateResult {
  names: ComponentNames;
  /** Every file the Tree would write: the component's files, the edited ones and the manifest. */
  plan: PlannedFile[];
  component: GeneratedComponent;
}

/**
 * Runs one generator into the Tree (in memory): refuses (UsageError, exit 2) when a file it would create exists,
 * the layer it needs is missing or an edit's anchor is gone, before anything is written; records the component
 * in .secure-stack.yaml. The caller commits the Tree, or prints its plan for --dry-run.
 */
export async function generateComponent(tree: Tree, request: GenerateRequest): Promise<GenerateResult> {
  const manifest = readManifest(tree, 'gen');
  const names = await componentNames(request.generator, request.name);
  const generators = await loadGeneratorsModule();
  const project = { dbPrefix: deriveNames(manifest.answers.projectName).dbPrefix };
  const created: string[] = [];
  const io = treeIO(tree, created);

  const { default: nodePlop } = await import('node-plop');
  const plop = await nodePlop('', { destBasePath: tree.root, force: false });
  generators.registerGenerators(plop as unknown as PlopLike, { project, io });
  const result = await plop.getGenerator(request.generator).runActions({ name: request.name });
  const failure = result.failures[0] as { error?: string; message?: string } | undefined;
  if (failure !== undefined) {
    const message = failure.error ?? failure.message ?? String(failure);
    if (message.startsWith('template ')) throw new RenderError(message);
    throw new UsageError(`gen ${request.generator}: ${message}`);
  }

  const component: GeneratedComponent = {
    generator: request.generator,
    name: request.name,
    generatedOn: request.generatedOn,
    files: Object.fromEntries(created.sort().map((file) => [file, { sha256: sha256(tree.read(file)!) }])),
  };
  tree.write(MANIFEST_FILE, serializeManifest({ ...manifest, components: [...(manifest.components ?? []), component] }));
  return { names, plan: tree.plan(), component };
}

const generatorTemplates = new DiskAdapter(path.join(TEMPLATES_DIR, GENERATORS_TEMPLATE_DIR));

/** generators.mjs's file access, bound to the Tree; `created` collects the files written that did not exist. */
function treeIO(tree: Tree, created: string[]): GeneratorIO {
  return {
    read: (file) => tree.readText(file),
    list: (dir) => {
      const prefix = `${dir}/`;
      const direct = (file: string): string | undefined => (file.startsWith(prefix) && !file.slice(prefix.length).includes('/') ? file.slice(prefix.length) : undefined);
      const names = new Set([...tree.disk.listFiles(dir).map((entry) => entry.path), ...tree.writtenPaths()].map(direct).filter((name) => name !== undefined));
      return [...names].sort();
    },
    write: (file, text) => {
      if (!tree.exists(file)) created.push(file);
      // An edited script (db/tests/run.sh) keeps its executable bit.
      tree.write(file, text, { executable: tree.exists(file) && tree.isExecutable(file) });
    },
    template: (name) => {
      const text = generatorTemplates.readFile(name);
      if (text === undefined) throw new RenderError(`template gen/${name} is missing`);
      return text.toString('utf8');
    },
    render: (text, label, data) => compileTemplate(text, `gen/${label}`)(data),
  };
}
