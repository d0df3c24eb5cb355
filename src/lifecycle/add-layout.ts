/**
 * Where each layer of the stack lives in an existing repository, and where a template file lands there.
 * Templates are written for the stack's own layout (api/, web/, db/ at the root); `add` moves a layer's files
 * under the folder the user chose (or that was detected) for it.
 */
import type { LayerName } from '../answers/schema.js';
import type { DetectedRepository } from './detect.js';

/** The layers that own a folder of their own, with the flag that names it. */
export const PLACED_LAYERS = ['api', 'web', 'db'] as const;
export type PlacedLayer = (typeof PLACED_LAYERS)[number];
export type LayerDirs = Record<PlacedLayer, string>;

export const DIR_FLAGS: Record<PlacedLayer, string> = { api: '--api-dir', web: '--web-dir', db: '--db-dir' };
export const DEFAULT_DIRS: LayerDirs = { api: 'api', web: 'web', db: 'db' };

/** The folders where a layer already is (several: ambiguous; none: it goes to its default folder). */
export function dirCandidates(detected: DetectedRepository): Record<PlacedLayer, string[]> {
  const appDirs = new Set([...detected.fastapiDirs, ...detected.nextDirs]);
  // A migrations folder inside an application's folder belongs to that application; the database's own
  // files (server configuration, role scripts) get a folder of their own then.
  const dbDirs = [...new Set(detected.dbDirs.map((dir) => (appDirs.has(dir) ? 'db' : dir)))].sort();
  return { api: detected.fastapiDirs, web: detected.nextDirs, db: dbDirs };
}

/** A template path of the stack's layout → the same file in this repository's layout. */
export function relocate(templatePath: string, dirs: LayerDirs): string {
  for (const layer of PLACED_LAYERS) {
    const prefix = `${DEFAULT_DIRS[layer]}/`;
    if (templatePath.startsWith(prefix)) {
      const rest = templatePath.slice(prefix.length);
      return dirs[layer] === '' ? rest : `${dirs[layer]}/${rest}`;
    }
  }
  return templatePath;
}

/** `dir/name`, or `name` at the root. */
export function inDir(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export function isPlacedLayer(layer: LayerName | 'base'): layer is PlacedLayer {
  return (PLACED_LAYERS as readonly string[]).includes(layer);
}
