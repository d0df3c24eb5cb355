import { STRIDE_CATEGORY_NAMES } from '../../controls/boundaries.js';
import { getControl } from '../../controls/catalog.js';
import type { LayerDefinition, RenderContext } from '../types.js';
import { dataFlowDiagram } from './diagram.js';
import { releaseChecklist } from './release-gates.js';
import { secretsInventory } from './secrets.js';

const SECURITY_TXT = '.well-known/security.txt';

/** docs/ops: threat model, security policy, incident runbook, secrets inventory, security.txt. */
export const docsLayer: LayerDefinition = {
  id: 'docs',
  title: 'Security documentation',
  summary: 'threat model, security policy, incident runbook, secrets inventory and security.txt',
  directory: 'docs',
  generated: true,
  context: (base) => ({
    diagram: dataFlowDiagram(base),
    secrets: secretsInventory(base),
    strideBoundaries: strideTables(base),
    uncoveredThreats: uncoveredThreats(base),
    release: releaseChecklist(base),
  }),
  place(outputPath, context) {
    // RFC 9116 wants the file at the web root; with a web app that is Next.js's public/ folder.
    if (outputPath === SECURITY_TXT && context.has.web) return `web/public/${SECURITY_TXT}`;
    return outputPath;
  },
};

/**
 * Boundaries with their STRIDE letters spelt out, for the threat model's per-boundary tables. A threat may cite
 * controls of layers that were not chosen (TM-B7 cites API and WEB controls in any repository): those do not
 * protect this repository, so they are listed apart (`notChosen`, with their layer), never as mitigations.
 */
function strideTables({ catalog }: RenderContext) {
  const chosen = new Set(catalog.controls.map((control) => control.id));
  return catalog.boundaries.map((boundary) => ({
    ...boundary,
    stride: boundary.stride.map((threat) => ({
      ...threat,
      categoryName: STRIDE_CATEGORY_NAMES[threat.category],
      controls: threat.controls.filter((id) => chosen.has(id)),
      notChosen: threat.controls.filter((id) => !chosen.has(id)).map((id) => ({ id, layer: getControl(id)?.layer ?? 'unknown' })),
    })),
  }));
}

/** Threats of in-scope boundaries that no control of the chosen layers answers: residual risks of this repository. */
function uncoveredThreats(context: RenderContext) {
  return strideTables(context).flatMap((boundary) =>
    boundary.stride
      .filter((threat) => threat.controls.length === 0)
      .map((threat) => ({ boundary: boundary.id, categoryName: threat.categoryName, threat: threat.threat, notChosen: threat.notChosen })),
  );
}
