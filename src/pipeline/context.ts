import { LAYER_IDS, canonicalLayers, type Answers, type LayerName } from '../answers/schema.js';
import { deriveNames } from '../answers/names.js';
import { ASSETS, boundariesForLayers } from '../controls/boundaries.js';
import { controlsForLayers } from '../controls/catalog.js';
import { LAYERS } from '../layers/registry.js';
import type { RenderContext } from '../layers/types.js';
import { reproducibleNow } from '../clock.js';
import { TOOL_NAME, TOOL_VERSION } from '../package-root.js';

const DAY_MS = 86_400_000;

/** The generation date: SOURCE_DATE_EPOCH (reproducible builds) when set, else today, in UTC. */
export function todayUtc(env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): string {
  return reproducibleNow(env, now).toISOString().slice(0, 10);
}

function addDays(isoDate: string, days: number): Date {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS);
}

export function buildContext(answers: Answers, generatedOn: string): RenderContext {
  const chosen = canonicalLayers(answers.layers);
  const has = Object.fromEntries(LAYER_IDS.map((layer) => [layer, chosen.includes(layer)])) as Record<LayerName, boolean>;
  return {
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    names: deriveNames(answers.projectName),
    answers: { ...answers, layers: chosen },
    has,
    layers: chosen.map((id) => ({
      id,
      title: LAYERS[id].title,
      summary: LAYERS[id].summary,
      directory: LAYERS[id].directory,
      generated: LAYERS[id].generated,
    })),
    date: {
      generatedOn,
      // RFC 9116 §2.5.5: Expires SHOULD be less than a year away.
      securityTxtExpires: addDays(generatedOn, 364).toISOString(),
      nextReview: addDays(generatedOn, 182).toISOString().slice(0, 10),
    },
    catalog: {
      controls: controlsForLayers(chosen),
      boundaries: boundariesForLayers(chosen),
      assets: ASSETS.filter((asset) => asset.layers.length === 0 || asset.layers.some((layer) => chosen.includes(layer))),
    },
  };
}
