/**
 * The docs layer, rendered in process (answers → templates → prettier) for every subset of layers that includes
 * it, and read back with a real Markdown parser (marked, GFM): the threat model has the structure of
 * CONTROLS.md §1 and only the components, boundaries and controls of the chosen layers; the incident runbook,
 * the secrets inventory, SECURITY.md and security.txt (OPS-06, OPS-07, OPS-08) say what they must; hostile
 * answers cannot change the meaning of any generated Markdown; the output is deterministic.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Marked, type Token, type Tokens } from 'marked';
import { finaliseAnswers } from '../../../src/answers/resolve.js';
import { LAYER_IDS, defaultAnswers, type Answers, type LayerName } from '../../../src/answers/schema.js';
import { STRIDE_CATEGORY_NAMES, boundariesForLayers } from '../../../src/controls/boundaries.js';
import { CONTROLS, controlsForLayers } from '../../../src/controls/catalog.js';
import { secretsInventory } from '../../../src/layers/docs/secrets.js';
import { serializeManifest } from '../../../src/manifest/manifest.js';
import { renderProject, type RenderedProject } from '../../../src/pipeline/generate.js';

const GENERATED_ON = '2026-11-27';
const DAY_MS = 86_400_000;

const THREAT_MODEL = 'docs/security/THREAT_MODEL.md';
const RUNBOOK = 'docs/security/INCIDENT_RUNBOOK.md';
const SECRETS = 'docs/security/SECRETS.md';
const SECURITY_MD = 'SECURITY.md';
const RELEASE_CHECKLIST = 'docs/security/release-checklist.md';

const THREAT_MODEL_H2 = [
  'Scope & assumptions',
  'Assets',
  'Actors',
  'Data-flow diagram',
  'Trust boundaries',
  'STRIDE per boundary',
  'Controls map',
  'Residual risks',
  'Out of scope',
  'Review log',
];

/** OPS-06, in this order; the runbook may add sections after them (the drill log). */
const RUNBOOK_H2 = [
  'Roles and contacts',
  'Severity matrix',
  'Detection sources',
  'Triage',
  'Containment',
  'Eradication',
  'Recovery',
  'Evidence preservation',
  'Communications and breach notification',
  'Post-incident review',
];

// ---------------------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------------------

async function render(overrides: Partial<Answers> = {}, generatedOn = GENERATED_ON): Promise<RenderedProject> {
  const answers = finaliseAnswers({ ...defaultAnswers('demo'), ...overrides });
  return renderProject({ answers, presets: [], generatedOn });
}

function fileText(project: RenderedProject, filePath: string): string {
  const file = project.files.find((candidate) => candidate.path === filePath);
  if (file === undefined) throw new Error(`${filePath} was not generated; got ${project.files.map((f) => f.path).join(', ')}`);
  return file.content.toString('utf8');
}

const hasOf = (layers: readonly LayerName[]): Record<LayerName, boolean> =>
  Object.fromEntries(LAYER_IDS.map((layer) => [layer, layers.includes(layer)])) as Record<LayerName, boolean>;

const securityTxtPath = (has: Record<LayerName, boolean>): string =>
  has.web ? 'web/public/.well-known/security.txt' : '.well-known/security.txt';

/** Every subset of the other five layers, plus docs: 32 layer choices. */
const OTHER_LAYERS = LAYER_IDS.filter((layer) => layer !== 'docs');
const LAYER_SUBSETS: LayerName[][] = Array.from({ length: 2 ** OTHER_LAYERS.length }, (_, mask) => [
  ...OTHER_LAYERS.filter((_, bit) => (mask & (1 << bit)) !== 0),
  'docs' as const,
]);

interface Case {
  label: string;
  layers: LayerName[];
  multiTenant: boolean;
  has: Record<LayerName, boolean>;
  project: RenderedProject;
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown, read with marked (GFM)
// ---------------------------------------------------------------------------------------------------------------

const markdown = new Marked({ gfm: true, async: false });
const toHtml = (src: string): string => markdown.parse(src) as string;
const lex = (src: string): Token[] => markdown.lexer(src);

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/** The text a reader sees in an HTML fragment: tags dropped, character references decoded. */
function decodeHtml(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot|#39));/g, (_m, dec?: string, hexa?: string, name?: string) => {
      if (dec !== undefined) return String.fromCodePoint(Number(dec));
      if (hexa !== undefined) return String.fromCodePoint(Number.parseInt(hexa, 16));
      return ENTITIES[name ?? 'amp'] ?? '';
    });
}

const inlineText = (src: string): string => decodeHtml(markdown.parseInline(src) as string);
const tokensText = (tokens: Token[]): string => decodeHtml(markdown.parser(tokens) as string);

function headings(tokens: Token[], depth: number): string[] {
  return tokens.filter((t): t is Tokens.Heading => t.type === 'heading' && (t as Tokens.Heading).depth === depth).map((t) => inlineText(t.text));
}

/** The top-level tokens under the H2 `heading`, up to the next H2. */
function section(tokens: Token[], heading: string): Token[] {
  const start = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).depth === 2 && inlineText((t as Tokens.Heading).text) === heading);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const rest = tokens.slice(start + 1);
  const end = rest.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).depth <= 2);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The top-level tokens before the first H2: a document's title and introduction. */
function beforeFirstSection(tokens: Token[]): Token[] {
  const end = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).depth === 2);
  return end < 0 ? tokens : tokens.slice(0, end);
}

function tables(tokens: Token[]): Tokens.Table[] {
  const found: Tokens.Table[] = [];
  markdown.walkTokens(tokens, (token) => {
    if (token.type === 'table') found.push(token as Tokens.Table);
  });
  return found;
}

function onlyTable(tokens: Token[], where: string): Tokens.Table {
  const found = tables(tokens);
  if (found.length !== 1) throw new Error(`expected one table in ${where}, found ${found.length}`);
  return found[0]!;
}

const headerTexts = (table: Tokens.Table): string[] => table.header.map((cell) => inlineText(cell.text));
const rowTexts = (table: Tokens.Table): string[][] => table.rows.map((row) => row.map((cell) => inlineText(cell.text)));

/**
 * Cells of one raw table line, split the way GFM does: on every `|` not escaped by an odd run of backslashes.
 * marked silently drops cells beyond the header's count, so extra cells are only visible in the raw line.
 */
function rawCellCount(line: string): number {
  let rest = line.trim();
  if (rest.startsWith('|')) rest = rest.slice(1);
  let cells = 0;
  let current = '';
  let backslashes = 0;
  for (const ch of rest) {
    if (ch === '|' && backslashes % 2 === 0) {
      cells++;
      current = '';
    } else current += ch;
    backslashes = ch === '\\' ? backslashes + 1 : 0;
  }
  return current.trim() === '' ? cells : cells + 1;
}

/** Every table of a document keeps every row at its header's cell count, in the tokens and in the raw lines. */
function expectWellFormedTables(md: string, where: string): void {
  for (const table of tables(lex(md))) {
    const width = table.header.length;
    for (const row of table.rows) expect(row.length, `${where}: a row of ${table.raw.split('\n')[0]}`).toBe(width);
    for (const line of table.raw.split('\n').filter((l) => l.trim() !== '')) {
      expect(rawCellCount(line), `${where}: cells of table line ${JSON.stringify(line)}`).toBe(width);
    }
  }
}

/** The sequence of HTML tags (with attributes) a document renders to: its structure, without its text. */
const htmlSkeleton = (html: string): string[] => html.match(/<\/?[a-zA-Z][^>]*>/g) ?? [];

const CONTROL_ID_RE = /\b[A-Z]{2,}-\d{2}\b/g;
const controlIds = (text: string): string[] => text.match(CONTROL_ID_RE) ?? [];
const KNOWN_CONTROL_IDS = new Set(CONTROLS.map((control) => control.id));

// ---------------------------------------------------------------------------------------------------------------
// The data-flow diagram's line grammar
// ---------------------------------------------------------------------------------------------------------------

/** A quoted Mermaid label as mermaidText writes it: plain characters and `#NN;` entity codes only. */
const LABEL = String.raw`"((?:[A-Za-z0-9 ,.:/()_+-]|#\d+;)*)"`;
const NODE_LINE = new RegExp(String.raw`^  ([a-z][a-z0-9_]*)\[${LABEL}\]$`);
const EDGE_LINE = new RegExp(String.raw`^  ([a-z][a-z0-9_]*) -->\|${LABEL}\| ([a-z][a-z0-9_]*)$`);

interface Diagram {
  nodes: Map<string, string>;
  edges: Array<{ from: string; to: string; label: string }>;
}

function parseDiagram(source: string, where: string): Diagram {
  const lines = source.split('\n');
  expect(lines[0], `${where}: first diagram line`).toBe('flowchart LR');
  const nodes = new Map<string, string>();
  const edges: Diagram['edges'] = [];
  for (const line of lines.slice(1)) {
    const node = NODE_LINE.exec(line);
    const edge = EDGE_LINE.exec(line);
    if (node) {
      expect(nodes.has(node[1]!), `${where}: node ${node[1]} declared twice`).toBe(false);
      nodes.set(node[1]!, node[2]!);
    } else if (edge) {
      edges.push({ from: edge[1]!, label: edge[2]!, to: edge[3]! });
    } else {
      expect.fail(`${where}: diagram line outside the grammar: ${JSON.stringify(line)}`);
    }
  }
  for (const edge of edges) {
    expect(nodes.has(edge.from) && nodes.has(edge.to), `${where}: edge ${edge.from} → ${edge.to} uses an undeclared node`).toBe(true);
  }
  return { nodes, edges };
}

/** The components each layer brings to the diagram. */
function expectedNodeIds(has: Record<LayerName, boolean>): string[] {
  const ids: Array<[string, boolean]> = [
    ['browser', has.web],
    ['client', has.api && !has.web],
    ['web', has.web],
    ['api', has.api],
    ['db', has.db],
    ['idp', has.api || has.web],
    ['ci', has.ci],
    ['cloud', has.ci],
    ['logs', true],
  ];
  return ids.filter(([, present]) => present).map(([id]) => id).sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Every layer subset with docs, both tenancy modes
// ---------------------------------------------------------------------------------------------------------------

describe('the docs layer, for every subset of layers that includes docs', () => {
  const cases: Case[] = [];

  beforeAll(async () => {
    const inputs = LAYER_SUBSETS.flatMap((layers) => [true, false].map((multiTenant) => ({ layers, multiTenant })));
    const rendered = await Promise.all(
      inputs.map(async ({ layers, multiTenant }) => {
        const label = `[${layers.join(', ')}]${multiTenant ? '' : ' single-tenant'}`;
        try {
          return { label, layers, multiTenant, has: hasOf(layers), project: await render({ layers, multiTenant }) };
        } catch (error) {
          throw new Error(`rendering ${label} failed: ${(error as Error).message}`);
        }
      }),
    );
    cases.push(...rendered);
  }, 120_000);

  it('renders all 64 combinations (32 layer subsets × multi-tenant or not), each with the six documents', () => {
    expect(LAYER_SUBSETS).toHaveLength(32);
    expect(new Set(LAYER_SUBSETS.map((layers) => layers.join())).size).toBe(32);
    expect(cases).toHaveLength(64);
    for (const { label, project, has } of cases) {
      const paths = project.files.filter((file) => file.layer === 'docs').map((file) => file.path);
      expect(paths, label).toEqual([SECURITY_MD, RUNBOOK, SECRETS, THREAT_MODEL, RELEASE_CHECKLIST, securityTxtPath(has)].sort());
    }
  });

  describe('THREAT_MODEL.md', () => {
    it('has exactly the H2 sections of CONTROLS.md §1, in order', () => {
      for (const { label, project } of cases) {
        expect(headings(lex(fileText(project, THREAT_MODEL)), 2), label).toEqual(THREAT_MODEL_H2);
      }
    });

    const lastReviewed = (md: string): Array<string | undefined> =>
      [...md.matchAll(/^Last reviewed: (\d{4}-\d{2}-\d{2})$/gm)].map((match) => match[1]);

    it('was last reviewed on the generation date, on a line of its own', async () => {
      for (const { label, project } of cases) expect(lastReviewed(fileText(project, THREAT_MODEL)), label).toEqual([GENERATED_ON]);
      for (const generatedOn of ['2024-02-29', '2031-01-01']) {
        expect(lastReviewed(fileText(await render({ layers: ['docs'] }, generatedOn), THREAT_MODEL)), generatedOn).toEqual([generatedOn]);
      }
    });

    it('cites only control IDs that exist in the catalog', () => {
      for (const { label, project } of cases) {
        const cited = controlIds(fileText(project, THREAT_MODEL));
        expect(cited.length, label).toBeGreaterThan(0);
        for (const id of cited) expect(KNOWN_CONTROL_IDS.has(id), `${label}: ${id}`).toBe(true);
      }
    });

    it('maps exactly the controls of the chosen layers, with their catalog layer, severity and seed step', () => {
      for (const { label, project, layers } of cases) {
        const table = onlyTable(section(lex(fileText(project, THREAT_MODEL)), 'Controls map'), `${label} Controls map`);
        expect(headerTexts(table), label).toEqual(['Control', 'What it does', 'Layer', 'Severity', 'Seed step']);
        const expected = controlsForLayers(layers).map((c) => [c.id, c.title, c.layer, c.severity, String(c.seedSection)]);
        expect(rowTexts(table), label).toEqual(expected);
      }
    });

    it('lists the trust boundaries in scope, and never mentions one that is not', () => {
      for (const { label, project, layers } of cases) {
        const md = fileText(project, THREAT_MODEL);
        const tokens = lex(md);
        const inScope = boundariesForLayers(layers);
        const ids = inScope.map((boundary) => boundary.id);
        const table = onlyTable(section(tokens, 'Trust boundaries'), `${label} Trust boundaries`);
        expect(rowTexts(table).map((row) => row[0]), label).toEqual(ids);
        expect(rowTexts(table).map((row) => row[1]), label).toEqual(inScope.map((boundary) => boundary.name));
        expect(headings(section(tokens, 'STRIDE per boundary'), 3), label).toEqual(inScope.map((b) => `${b.id}: ${b.name}`));
        for (const mentioned of md.match(/TM-B\d+/g) ?? []) expect(ids, `${label}: mentions ${mentioned}`).toContain(mentioned);
      }
    });

    it('draws only the chosen components, in a strict line grammar', () => {
      for (const { label, project, has, layers } of cases) {
        const tokens = lex(fileText(project, THREAT_MODEL));
        const blocks = tokens.filter((t): t is Tokens.Code => t.type === 'code');
        expect(blocks.map((block) => block.lang), label).toEqual(['mermaid']);
        expect(section(tokens, 'Data-flow diagram'), label).toContain(blocks[0]);
        const diagram = parseDiagram(blocks[0]!.text, label);
        expect([...diagram.nodes.keys()].sort(), label).toEqual(expectedNodeIds(has));
        if (!has.web) expect(blocks[0]!.text, label).not.toMatch(/\bweb\[/);
        if (!has.db) expect(blocks[0]!.text, label).not.toMatch(/\bdb\[/);
        for (const [id, nodeLabel] of diagram.nodes) {
          if (['web', 'api', 'db'].includes(id)) expect(nodeLabel.endsWith(' (container)'), `${label}: ${id}`).toBe(has.containers);
        }
        const inScope = new Set(boundariesForLayers(layers).map((boundary) => boundary.id));
        for (const edge of diagram.edges) {
          const crossing = /^(TM-B\d+): /.exec(edge.label)?.[1];
          if (crossing !== undefined) expect(inScope.has(crossing), `${label}: edge ${edge.label}`).toBe(true);
        }
      }
    });

    it('has one STRIDE table per boundary: three cells a row, STRIDE category names, the boundary’s threats', () => {
      const categoryNames = Object.values(STRIDE_CATEGORY_NAMES);
      for (const { label, project, layers } of cases) {
        const strideTables = tables(section(lex(fileText(project, THREAT_MODEL)), 'STRIDE per boundary'));
        const inScope = boundariesForLayers(layers);
        expect(strideTables, label).toHaveLength(inScope.length);
        strideTables.forEach((table, index) => {
          const boundary = inScope[index]!;
          expect(headerTexts(table), `${label} ${boundary.id}`).toEqual(['STRIDE', 'Threat', 'Controls']);
          for (const line of table.raw.split('\n').filter((l) => l.trim() !== '')) {
            expect(rawCellCount(line), `${label} ${boundary.id}: ${line}`).toBe(3);
          }
          const rows = rowTexts(table);
          for (const row of rows) {
            expect(row, `${label} ${boundary.id}`).toHaveLength(3);
            expect(categoryNames, `${label} ${boundary.id}`).toContain(row[0]);
          }
          expect(rows.map((row) => [row[0], row[1]]), `${label} ${boundary.id}`).toEqual(
            boundary.stride.map((threat) => [STRIDE_CATEGORY_NAMES[threat.category], threat.threat]),
          );
        });
      }
    });

    it('presents as mitigations only controls of the chosen layers, and marks the others as not chosen', () => {
      for (const { label, project, layers } of cases) {
        const mapped = new Set(controlsForLayers(layers).map((control) => control.id));
        const strideTables = tables(section(lex(fileText(project, THREAT_MODEL)), 'STRIDE per boundary'));
        boundariesForLayers(layers).forEach((boundary, index) => {
          rowTexts(strideTables[index]!).forEach((row, threatIndex) => {
            const where = `${label} ${boundary.id} row ${threatIndex + 1}: ${JSON.stringify(row[2])}`;
            const [mitigations = '', notChosen = ''] = row[2]!.split(/;\s*not chosen:\s*/);
            for (const id of controlIds(mitigations)) expect(mapped.has(id), where).toBe(true);
            for (const id of controlIds(notChosen)) expect(mapped.has(id), where).toBe(false);
            expect([...controlIds(mitigations), ...controlIds(notChosen)].sort(), where).toEqual(
              [...boundary.stride[threatIndex]!.controls].sort(),
            );
            if (controlIds(mitigations).length === 0) expect(mitigations.trim(), where).toBe('none');
          });
        });
      }
    });

    it('lists a threat no chosen control answers as a residual risk', () => {
      let uncovered = 0;
      for (const { label, project, layers } of cases) {
        const tokens = lex(fileText(project, THREAT_MODEL));
        const mapped = new Set(controlsForLayers(layers).map((control) => control.id));
        const residual = tokensText(section(tokens, 'Residual risks'));
        for (const boundary of boundariesForLayers(layers)) {
          for (const threat of boundary.stride.filter((t) => !t.controls.some((id) => mapped.has(id)))) {
            uncovered++;
            expect(residual, `${label}: ${boundary.id} "${threat.threat}"`).toContain(threat.threat);
          }
        }
      }
      expect(uncovered).toBeGreaterThan(0);
    });

    it('follows the tenancy answer', () => {
      for (const { label, project, multiTenant } of cases) {
        const tokens = lex(fileText(project, THREAT_MODEL));
        const actors = rowTexts(onlyTable(section(tokens, 'Actors'), label)).map((row) => row[0]);
        expect(actors.includes('User of another tenant'), label).toBe(multiTenant);
        expect(tokensText(section(tokens, 'Scope & assumptions')), label).toContain(multiTenant ? 'Tenancy: multi-tenant.' : 'Tenancy: single tenant.');
      }
    });
  });

  describe('security.txt (RFC 9116, OPS-07)', () => {
    it('sits at the web root: web/public/ with the web layer, else the repository root', () => {
      for (const { label, project, has } of cases) {
        const paths = project.files.map((file) => file.path).filter((p) => p.endsWith('security.txt'));
        expect(paths, label).toEqual([securityTxtPath(has)]);
      }
    });

    it('has Contact and Expires, only RFC 9116 fields, one `Field: value` per line', () => {
      for (const { label, project, has } of cases) expectSecurityTxt(fileText(project, securityTxtPath(has)), 'mailto:security@example.com', GENERATED_ON, label);
    });
  });

  describe('INCIDENT_RUNBOOK.md (OPS-06)', () => {
    it('has the OPS-06 sections in order', () => {
      for (const { label, project } of cases) {
        const h2 = headings(lex(fileText(project, RUNBOOK)), 2);
        expect(h2.slice(0, RUNBOOK_H2.length), label).toEqual(RUNBOOK_H2);
      }
    });

    it('contains per chosen layer, and only per chosen layer', () => {
      for (const { label, project, has } of cases) {
        const containment = tokensText(section(lex(fileText(project, RUNBOOK)), 'Containment'));
        expect(containment, label).toMatch(/revoke the affected users' sessions/);
        expect(containment, label).toMatch(/block offending IP ranges/);
        expect(/JWKS/.test(containment) && /signing key/i.test(containment), `${label}: JWKS / signing key`).toBe(has.api);
        expect(/Database credentials/.test(containment) && /password for the application role/.test(containment), `${label}: DB credentials`).toBe(has.db);
        expect(/database|pg_terminate_backend/i.test(containment), `${label}: database`).toBe(has.db);
        expect(containment.includes('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY'), `${label}: Server Actions key`).toBe(has.web);
        expect(/GitHub/.test(containment), `${label}: GitHub`).toBe(has.ci);
        expect(/revoke leaked tokens/.test(containment) && /OIDC trust/.test(containment), `${label}: GitHub tokens / OIDC trust`).toBe(has.ci);
        expect(/disable the affected workflows/.test(containment), `${label}: workflows`).toBe(has.ci);
      }
    });

    it('names the security contact in the roles table', () => {
      for (const { label, project } of cases) {
        const roles = rowTexts(onlyTable(section(lex(fileText(project, RUNBOOK)), 'Roles and contacts'), label));
        expect(roles.find((row) => row[0]?.startsWith('Security contact'))?.[2], label).toBe('mailto:security@example.com');
      }
    });
  });

  describe('SECRETS.md (OPS-08)', () => {
    it('has one row per secret of the chosen layers, each with its rotation', () => {
      for (const { label, project, has } of cases) {
        const inventory = secretsInventory({ has });
        if (inventory.length === 0) {
          // No chosen layer reads a secret: a sentence says so instead of a header-only table.
          const text = fileText(project, SECRETS);
          expect(beforeFirstSection(lex(text)).some((token) => token.type === 'table'), label).toBe(false);
          expect(text, label).toContain('No layer chosen for this repository reads a secret yet.');
          continue;
        }
        const table = onlyTable(beforeFirstSection(lex(fileText(project, SECRETS))), `${label} SECRETS.md inventory`);
        const header = headerTexts(table);
        expect(header, label).toContain('Rotation');
        const rows = rowTexts(table);
        expect(rows.map((row) => row[0]), label).toEqual(inventory.map((secret) => secret.name));
        const rotation = header.indexOf('Rotation');
        expect(rows.map((row) => row[rotation]), label).toEqual(inventory.map((secret) => secret.rotation));
        for (const row of rows) expect(row[rotation], label).not.toBe('');
        // Independently of the inventory module: each layer's key secret is there exactly when the layer is.
        const names = rows.map((row) => row[0]);
        expect(names.includes('Identity provider signing keys'), label).toBe(has.api || has.web);
        expect(names.includes('Database application role password'), label).toBe(has.db);
        expect(names.includes('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY'), label).toBe(has.web);
        expect(names.includes('Cloud deploy credentials'), label).toBe(has.ci);
      }
    });
  });

  describe('SECURITY.md', () => {
    it('names the security contact in one sentence and links to the security.txt that was generated', () => {
      for (const { label, project, has } of cases) {
        const tokens = lex(fileText(project, SECURITY_MD));
        const reporting = tokensText(section(tokens, 'Reporting a vulnerability'));
        expect(reporting, label).toContain(`privately to mailto:security@example.com${has.ci ? ' or through GitHub' : '.'}`);
        expect(reporting, `${label}: a dangling punctuation mark`).not.toMatch(/\s[.,;:]/);
        const hrefs: string[] = [];
        markdown.walkTokens(tokens, (token) => {
          if (token.type === 'link') hrefs.push((token as Tokens.Link).href);
        });
        const txtLinks = hrefs.filter((href) => href.endsWith('security.txt'));
        expect(txtLinks, label).toEqual([securityTxtPath(has)]);
        expect(project.files.some((file) => file.path === txtLinks[0]), label).toBe(true);
      }
    });
  });

  it('keeps every Markdown table well formed', () => {
    for (const { label, project } of cases) {
      for (const file of project.files.filter((f) => f.path.endsWith('.md'))) expectWellFormedTables(file.content.toString('utf8'), `${label} ${file.path}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// security.txt
// ---------------------------------------------------------------------------------------------------------------

const SECURITY_TXT_FIELDS = new Set(['Contact', 'Expires', 'Encryption', 'Acknowledgments', 'Preferred-Languages', 'Canonical', 'Policy', 'Hiring', 'CSAF']);
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function expectSecurityTxt(text: string, contact: string, generatedOn: string, where: string): void {
  expect(text.endsWith('\n'), `${where}: final line break`).toBe(true);
  const fields: Array<[string, string]> = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const match = /^([A-Za-z0-9-]+): (\S(?:.*\S)?)$/.exec(line);
    if (!match) expect.fail(`${where}: security.txt line is not "Field: value": ${JSON.stringify(line)}`);
    expect(SECURITY_TXT_FIELDS.has(match[1]!), `${where}: unknown field ${match[1]}`).toBe(true);
    fields.push([match[1]!, match[2]!]);
  }
  const values = (name: string): string[] => fields.filter(([field]) => field === name).map(([, value]) => value);
  expect(values('Contact'), where).toEqual([contact]);
  const expires = values('Expires');
  expect(expires, where).toHaveLength(1);
  expect(expires[0], where).toMatch(RFC3339_RE);
  const expiresAt = Date.parse(expires[0]!);
  const generatedAt = Date.parse(`${generatedOn}T00:00:00Z`);
  expect(expiresAt, `${where}: Expires after the generation day`).toBeGreaterThanOrEqual(generatedAt + DAY_MS);
  expect(expiresAt, `${where}: Expires at most 366 days away`).toBeLessThanOrEqual(generatedAt + 366 * DAY_MS);
}

describe('security.txt dates and contact', () => {
  it.each(['2026-11-27', '2027-03-01', '2028-02-29', '2027-12-31'])('Expires is within a year of %s', async (generatedOn) => {
    const project = await render({ layers: ['docs'] }, generatedOn);
    expectSecurityTxt(fileText(project, '.well-known/security.txt'), 'mailto:security@example.com', generatedOn, generatedOn);
  });

  it.each([
    ['security@example.org', 'mailto:security@example.org'],
    ['mailto:psirt@example.net', 'mailto:psirt@example.net'],
    ['https://example.com/security/report', 'https://example.com/security/report'],
    ['tel:+1-555-0100', 'tel:+1-555-0100'],
  ])('Contact %s is written as %s, and SECURITY.md names it', async (given, written) => {
    const project = await render({ layers: ['web', 'docs'], securityContact: given });
    expectSecurityTxt(fileText(project, 'web/public/.well-known/security.txt'), written, GENERATED_ON, given);
    expect(tokensText(section(lex(fileText(project, SECURITY_MD)), 'Reporting a vulnerability'))).toContain(`privately to ${written}.`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hostile answers
// ---------------------------------------------------------------------------------------------------------------

const HOSTILE_AUDIENCES = [
  '"><script>alert(1)</script>',
  '[x](javascript:alert(1))',
  '|a|b|',
  '<img/src=x/onerror=alert(1)>',
  '${{github.token}}',
  '#heading',
  '*a*_b_`c`~~d~~',
  '<!--',
  'a\\',
  '![x](https://evil.example/x.png)',
  '<https://evil.example>',
  'www.evil.example',
  '[ref]:https://evil.example',
  '&lt;b&gt;&#60;',
  '===',
  '-',
  '1.',
];

// The schema refuses URLs with spaces, quotes, <, >, \\, ^, `, {, | or }: these are the hostile ones it accepts.
const HOSTILE_ISSUERS = [
  'https://idp.example.com/realms/a_b*c',
  'https://idp.example.com/[x](javascript:alert(1))',
  'https://idp.example.com/![x](https://evil.example/x.png)',
  'https://idp.example.com/&lt;script&gt;',
  'https://idp.example.com/realms/~~x~~',
];

const HOSTILE_CONTACTS = [
  'https://example.com/report*a*',
  'https://example.com/![x](https://evil.example/x.png)',
  'https://example.com/[x](javascript:alert(1))',
  'https://example.com/_x_y_',
];

describe('hostile answers cannot change the meaning of the generated Markdown', () => {
  const benign: { project?: RenderedProject } = {};
  beforeAll(async () => {
    benign.project = await render({ oidcAudience: 'demo-api', oidcIssuer: 'https://idp.example.com/', securityContact: 'https://example.com/security' });
  }, 60_000);

  it('the schema accepts every hostile value (otherwise this test would prove nothing)', () => {
    for (const oidcAudience of HOSTILE_AUDIENCES) expect(finaliseAnswers({ ...defaultAnswers('demo'), oidcAudience }).oidcAudience).toBe(oidcAudience);
    for (const oidcIssuer of HOSTILE_ISSUERS) expect(finaliseAnswers({ ...defaultAnswers('demo'), oidcIssuer }).oidcIssuer).toBe(oidcIssuer);
    for (const securityContact of HOSTILE_CONTACTS) expect(finaliseAnswers({ ...defaultAnswers('demo'), securityContact }).securityContact).toBe(securityContact);
  });

  const combinations = HOSTILE_AUDIENCES.map((oidcAudience, index) => ({
    oidcAudience,
    oidcIssuer: HOSTILE_ISSUERS[index % HOSTILE_ISSUERS.length]!,
    securityContact: HOSTILE_CONTACTS[index % HOSTILE_CONTACTS.length]!,
  }));

  it.each(combinations)('audience $oidcAudience, issuer $oidcIssuer, contact $securityContact', async (hostile) => {
    const project = await render(hostile);
    const markdownFiles = project.files.filter((file) => file.path.endsWith('.md'));
    expect(markdownFiles.length).toBeGreaterThanOrEqual(5);
    for (const file of markdownFiles) {
      const md = file.content.toString('utf8');
      const html = toHtml(md);
      expect(html, file.path).not.toMatch(/<script/i);
      expect(html, file.path).not.toMatch(/<img/i);
      expect(html, file.path).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
      expectWellFormedTables(md, file.path);
      // Same tags, attributes and links as with ordinary answers: only the text differs.
      const benignHtml = toHtml(fileText(benign.project!, file.path));
      expect(htmlSkeleton(html), file.path).toEqual(htmlSkeleton(benignHtml));
    }
    const readme = decodeHtml(toHtml(fileText(project, 'README.md')));
    expect(readme).toContain(`Identity provider: ${hostile.oidcIssuer}, audience ${hostile.oidcAudience}.`);
    expect(readme).toContain(`Report vulnerabilities to ${hostile.securityContact}.`);
    const threatModel = decodeHtml(toHtml(fileText(project, THREAT_MODEL)));
    expect(threatModel).toContain(`Identity provider: ${hostile.oidcIssuer} issues access tokens for audience ${hostile.oidcAudience}.`);
    expect(decodeHtml(toHtml(fileText(project, SECURITY_MD)))).toContain(`privately to ${hostile.securityContact}`);
    const roles = rowTexts(onlyTable(section(lex(fileText(project, RUNBOOK)), 'Roles and contacts'), 'runbook roles'));
    expect(roles.find((row) => row[0]?.startsWith('Security contact'))?.[2]).toBe(hostile.securityContact);
    expect(decodeHtml(toHtml(fileText(project, RUNBOOK)))).toContain(`Reports to ${hostile.securityContact} and`);
    expectSecurityTxt(fileText(project, securityTxtPath(hasOf(LAYER_IDS))), hostile.securityContact, GENERATED_ON, 'security.txt');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------------------------

describe('determinism', () => {
  it('renders byte-identical files and manifest from the same input', async () => {
    const input = { layers: [...LAYER_IDS], multiTenant: true, oidcAudience: '|a|b|' };
    const [first, second] = await Promise.all([render(input), render(input)]);
    const third = await render(input);
    for (const other of [second, third]) {
      expect(other.files.map((file) => file.path)).toEqual(first.files.map((file) => file.path));
      first.files.forEach((file, index) => {
        const again = other.files[index]!;
        expect(again.executable, file.path).toBe(file.executable);
        expect(again.layer, file.path).toBe(file.layer);
        expect(Buffer.compare(again.content, file.content), file.path).toBe(0);
      });
      expect(serializeManifest(other.manifest)).toBe(serializeManifest(first.manifest));
    }
  });
});
