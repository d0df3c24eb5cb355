/**
 * templates/<layer>/ mirrors the generated tree. Naming rules (chezmoi's, so they survive npm packing,
 * which drops `.gitignore`, and any OS that loses the executable bit):
 *   dot_name        → .name            (any path segment)
 *   executable_name → name, mode 0755  (file name)
 *   name.hbs        → name, rendered with Handlebars; other files are copied byte for byte
 *   {{ident x}}     → a path segment may hold an expression; it must render to one safe segment
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { RenderError } from '../errors.js';
import { usePrecomputedPresets, type PrecomputedPreset } from '../presets/presets.js';
import { usePrecomputedPins, type ResolvedPins } from '../layers/ci/pins.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { DiskAdapter } from '../tree/disk.js';
import { toSafeRelativePath } from '../tree/paths.js';
import { pathToFileURL } from 'node:url';
import { compileTemplate, usePrecompiledTemplates, type PrecompiledTemplate } from './handlebars.js';

export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');

export interface RenderedFile {
  /** Path in the generated repository. */
  path: string;
  content: Buffer;
  executable: boolean;
  /** The template it came from, relative to templates/. */
  template: string;
  /** sha256 (hex) of the template's own bytes: says whether the template is the one PREFORMATTED_FILE vouches for. */
  templateSha256: string;
}

/**
 * templates/<PREFORMATTED_FILE>: template path → sha256 of the template whose rendered output was shown to be
 * already in prettier's format for every answer set of scripts/preformat-answer-sets.json (written by
 * scripts/verify-preformatted-templates.mjs). Formatting skips those outputs; a template edited since then has
 * another hash and is formatted again, so the list can only make a run slower when stale, never different.
 */
export const PREFORMATTED_FILE = 'preformatted.json';

const templatesDisk = new DiskAdapter(TEMPLATES_DIR);

/** Renders every template of one layer with `context`. */
export function renderLayer(layer: string, context: object): RenderedFile[] {
  // Bytecode Python leaves beside a template it imported (a local test run) is not a template.
  const templates = templatesDisk.readAllFiles(layer).filter((entry) => !entry.path.split('/').includes('__pycache__'));
  return templates.map((entry) => {
    const template = entry.path;
    const relative = template.slice(layer.length + 1);
    const raw = entry.content;
    const { outputPath, executable, rendered } = outputName(relative, template, context);
    const templateSha256 = createHash('sha256').update(raw).digest('hex');
    const content = rendered ? Buffer.from(compileTemplate(raw.toString('utf8'), template, templateSha256)(context), 'utf8') : raw;
    return { path: outputPath, content, executable: executable || entry.executable, template, templateSha256 };
  });
}

/** templates/<PRECOMPILED_FILE>: every .hbs template compiled ahead of time (scripts/precompile-templates.mjs). */
export const PRECOMPILED_FILE = 'precompiled.mjs';

let precompiledLoaded = false;

/**
 * Loads templates/precompiled.mjs once, so rendering runs each template's precompiled spec instead of
 * compiling it (a template whose source changed since, and any template without a spec, is still compiled),
 * and the action pins and built-in presets come without parsing their YAML (each only while its file is unchanged).
 * A missing or unloadable file leaves compilation as it is: slower, never different.
 */
export async function loadPrecompiledTemplates(): Promise<void> {
  if (precompiledLoaded) return;
  precompiledLoaded = true;
  try {
    const module = (await import(pathToFileURL(path.join(TEMPLATES_DIR, PRECOMPILED_FILE)).href)) as {
      compilerRevision: number;
      templates: Record<string, PrecompiledTemplate>;
      actionPins?: { sha256: string; resolved: ResolvedPins };
      builtinPresets?: Record<string, PrecomputedPreset>;
    };
    usePrecompiledTemplates(module.templates, module.compilerRevision);
    usePrecomputedPins(module.actionPins);
    usePrecomputedPresets(module.builtinPresets);
  } catch {
    // no precompiled templates: every template is compiled when first rendered
  }
}

export interface PreformattedTemplates {
  /** Templates whose output prettier leaves as it is: template → sha256. */
  asIs: ReadonlyMap<string, string>;
  /** Markdown templates whose output prettier changes only by aligning its tables (alignMarkdownTables). */
  tablesAligned: ReadonlyMap<string, string>;
}

let preformatted: PreformattedTemplates | undefined;

/** The templates vouched for in PREFORMATTED_FILE (read once per process). */
export function preformattedTemplates(): PreformattedTemplates {
  if (preformatted !== undefined) return preformatted;
  const text = templatesDisk.readFile(PREFORMATTED_FILE)?.toString('utf8');
  let parsed: { templates?: unknown; tablesAligned?: unknown } = {};
  if (text !== undefined) {
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = {}; // an unreadable list formats everything, which is only slower
    }
  }
  preformatted = { asIs: hashes(parsed.templates), tablesAligned: hashes(parsed.tablesAligned) };
  return preformatted;
}

function hashes(value: unknown): Map<string, string> {
  if (value === null || typeof value !== 'object') return new Map();
  return new Map(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function outputName(relative: string, label: string, context: object): { outputPath: string; executable: boolean; rendered: boolean } {
  const segments = relative.split('/');
  let executable = false;
  let rendered = false;
  const mapped = segments.map((segment, index) => {
    let name = segment;
    const isFile = index === segments.length - 1;
    if (isFile && name.endsWith('.hbs')) {
      rendered = true;
      name = name.slice(0, -'.hbs'.length);
    }
    for (;;) {
      if (isFile && name.startsWith('executable_')) {
        executable = true;
        name = name.slice('executable_'.length);
      } else if (name.startsWith('dot_')) {
        name = `.${name.slice('dot_'.length)}`;
      } else break;
    }
    if (name.includes('{{')) {
      name = compileTemplate(name, `${label} (file name)`)(context);
      if (name.includes('/') || name === '' || name === '.' || name === '..') {
        throw new RenderError(`template ${label}: file name rendered to an unsafe segment ${JSON.stringify(name)}`);
      }
    }
    return name;
  });
  return { outputPath: toSafeRelativePath(mapped.join('/')), executable, rendered };
}
