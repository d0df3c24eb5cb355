/**
 * templates/<layer>/ mirrors the generated tree. Naming rules (chezmoi's, so they survive npm packing,
 * which drops `.gitignore`, and any OS that loses the executable bit):
 *   dot_name        → .name            (any path segment)
 *   executable_name → name, mode 0755  (file name)
 *   name.hbs        → name, rendered with Handlebars; other files are copied byte for byte
 *   {{ident x}}     → a path segment may hold an expression; it must render to one safe segment
 */
import * as path from 'node:path';
import { RenderError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { DiskAdapter } from '../tree/disk.js';
import { toSafeRelativePath } from '../tree/paths.js';
import { compileTemplate } from './handlebars.js';

export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');

export interface RenderedFile {
  /** Path in the generated repository. */
  path: string;
  content: Buffer;
  executable: boolean;
  /** The template it came from, relative to templates/. */
  template: string;
}

const templatesDisk = new DiskAdapter(TEMPLATES_DIR);

/** Renders every template of one layer with `context`. */
export function renderLayer(layer: string, context: object): RenderedFile[] {
  return templatesDisk.listFiles(layer).map((entry) => {
    const template = entry.path;
    const relative = template.slice(layer.length + 1);
    const raw = templatesDisk.readFile(template);
    if (raw === undefined) throw new RenderError(`template ${template} vanished while rendering`);
    const { outputPath, executable, rendered } = outputName(relative, template, context);
    const content = rendered ? Buffer.from(compileTemplate(raw.toString('utf8'), template)(context), 'utf8') : raw;
    return { path: outputPath, content, executable: executable || entry.executable, template };
  });
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
