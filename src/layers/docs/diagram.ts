/**
 * The data-flow diagram of THREAT_MODEL.md, built from the chosen layers: only components that exist
 * appear, and each flow that crosses a trust boundary is labelled with that boundary's ID.
 */
import type { RenderContext } from '../types.js';

export interface DiagramNode {
  id: string;
  label: string;
}

export interface DiagramEdge {
  from: string;
  to: string;
  label: string;
}

export interface DataFlowDiagram {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

export function dataFlowDiagram(context: Pick<RenderContext, 'has' | 'catalog'>): DataFlowDiagram {
  const { has } = context;
  const inScope = new Set(context.catalog.boundaries.map((boundary) => boundary.id));
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const node = (id: string, label: string): void => {
    nodes.push({ id, label });
  };
  const edge = (from: string, to: string, what: string, boundary?: string): void => {
    const crossing = boundary !== undefined && inScope.has(boundary) ? `${boundary}: ` : '';
    edges.push({ from, to, label: `${crossing}${what}` });
  };
  const runtime = has.containers ? ' (container)' : '';

  if (has.web) node('browser', 'Browser');
  else if (has.api) node('client', 'API client');
  if (has.web) node('web', `Next.js server${runtime}`);
  if (has.api) node('api', `FastAPI${runtime}`);
  if (has.db) node('db', `PostgreSQL${runtime}`);
  if (has.api || has.web) node('idp', 'Identity provider');
  if (has.ci) node('ci', 'GitHub Actions');
  if (has.ci) node('cloud', 'Registry and cloud');
  node('logs', 'Logs and monitoring');

  if (has.web) {
    edge('browser', 'web', 'HTTPS, session cookie', 'TM-B1');
    edge('web', 'idp', 'OIDC code flow with PKCE');
  }
  if (has.api) {
    edge(has.web ? 'web' : 'client', 'api', 'bearer access token', 'TM-B2');
    edge('api', 'idp', 'JWKS fetch', 'TM-B4');
  }
  if (has.db) {
    if (has.api) edge('api', 'db', 'SQL as app role, tenant set per transaction', 'TM-B3');
    else if (has.web) edge('web', 'db', 'SQL as app role', 'TM-B3');
  }
  if (has.ci) edge('ci', 'cloud', 'OIDC deploy, signed images', 'TM-B6');
  const emitters = [has.web && 'web', has.api && 'api', has.db && 'db'].filter((id): id is string => Boolean(id));
  for (const id of emitters) edge(id, 'logs', 'security events', 'TM-B7');
  return { nodes, edges };
}
