import { STRIDE_CATEGORY_NAMES } from '../../controls/boundaries.js';
import type { LayerDefinition, RenderContext } from '../types.js';
import { dataFlowDiagram } from './diagram.js';
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
  }),
  place(outputPath, context) {
    // RFC 9116 wants the file at the web root; with a web app that is Next.js's public/ folder.
    if (outputPath === SECURITY_TXT && context.has.web) return `web/public/${SECURITY_TXT}`;
    return outputPath;
  },
};

/** Boundaries with their STRIDE letters spelt out, for the threat model's per-boundary tables. */
function strideTables({ catalog }: RenderContext) {
  return catalog.boundaries.map((boundary) => ({
    ...boundary,
    stride: boundary.stride.map((threat) => ({ ...threat, categoryName: STRIDE_CATEGORY_NAMES[threat.category] })),
  }));
}
