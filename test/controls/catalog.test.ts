import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import {
  CONTROLS,
  CONTROL_FAMILIES,
  SCORECARD_CHECKS,
  ZIZMOR_AUDITS,
  controlsForLayers,
  getControl,
  type Control,
  type LayerId,
} from '../../src/controls/catalog.js';
import {
  ASSETS,
  DATA_FLOW_NODES,
  STRIDE_CATEGORY_NAMES,
  TRUST_BOUNDARIES,
  assetsForLayers,
  boundariesForLayers,
  type StrideCategory,
} from '../../src/controls/boundaries.js';

const ALL_LAYERS: readonly LayerId[] = ['api', 'web', 'db', 'containers', 'ci', 'docs'];
const EXPECTED_COUNTS = { API: 15, WEB: 15, DB: 15, CTR: 15, CI: 17, OPS: 8 } as const;
/** Line breaks, code spans, bold pairs and links; a lone glob such as ** is fine. */
const MARKDOWN = /[\r\n`]|\*\*[^*\s][^*]*\*\*|\]\(/;
const ID_RE = /^(API|WEB|DB|CTR|CI|OPS)-(\d{2})$/;

function parseId(id: string): { family: string; n: number } {
  const m = ID_RE.exec(id);
  if (!m) throw new Error(`bad control id ${id}`);
  return { family: m[1]!, n: Number(m[2]) };
}

/** Every subset of the layers. */
function allSubsets(): LayerId[][] {
  const out: LayerId[][] = [];
  for (let mask = 0; mask < 1 << ALL_LAYERS.length; mask++) {
    out.push(ALL_LAYERS.filter((_, i) => (mask & (1 << i)) !== 0));
  }
  return out;
}

describe('control catalog', () => {
  it('has unique IDs in catalog order (API, WEB, DB, CTR, CI, OPS; ascending numbers)', () => {
    const ids = CONTROLS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const sorted = [...CONTROLS].sort((a, b) => {
      const pa = parseId(a.id);
      const pb = parseId(b.id);
      const fa = CONTROL_FAMILIES.indexOf(pa.family as Control['family']);
      const fb = CONTROL_FAMILIES.indexOf(pb.family as Control['family']);
      return fa - fb || pa.n - pb.n;
    });
    expect(ids).toEqual(sorted.map((c) => c.id));
  });

  it('numbers each family contiguously from 01 (85 controls)', () => {
    expect(CONTROLS).toHaveLength(85);
    for (const [family, count] of Object.entries(EXPECTED_COUNTS)) {
      const ids = CONTROLS.filter((c) => c.family === family).map((c) => c.id);
      const expected = Array.from({ length: count }, (_, i) => `${family}-${String(i + 1).padStart(2, '0')}`);
      expect(ids, family).toEqual(expected);
    }
  });

  it('has every field filled, with family matching the ID prefix', () => {
    for (const c of CONTROLS) {
      expect(parseId(c.id).family, c.id).toBe(c.family);
      for (const field of ['title', 'summary', 'stops', 'verify'] as const) {
        expect(c[field].trim(), `${c.id}.${field}`).not.toBe('');
        expect(c[field], `${c.id}.${field} is trimmed`).toBe(c[field].trim());
      }
      expect(ALL_LAYERS, c.id).toContain(c.layer);
      expect(['low', 'medium', 'high', 'critical'], c.id).toContain(c.severity);
      expect([1, 2, 3, 4, 5, 6, 7, 8], c.id).toContain(c.seedSection);
      // A row whose only source is another control (DB-13 → CTR-13, CTR-15 → CI-10/CI-12) says so in `related`.
      expect(c.references.length + (c.related?.length ?? 0), `${c.id} cites something`).toBeGreaterThan(0);
    }
  });

  it('has one-line plain-text titles of at most 90 characters', () => {
    for (const c of CONTROLS) {
      expect(c.title.length, c.id).toBeLessThanOrEqual(90);
      expect(c.title, c.id).not.toMatch(MARKDOWN);
      expect(c.title, c.id).not.toMatch(/^#|^\s*[-*] /);
    }
  });

  it('keeps summaries, stops and checks plain text on one line', () => {
    for (const c of CONTROLS) {
      for (const field of ['summary', 'stops', 'verify'] as const) {
        expect(c[field], `${c.id}.${field}`).not.toMatch(MARKDOWN);
      }
    }
  });

  it('maps families to layers and seed sections', () => {
    const expectedLayer = (c: Control): LayerId => {
      switch (c.family) {
        case 'API':
          return 'api';
        case 'WEB':
          return 'web';
        case 'DB':
          return 'db';
        case 'CTR':
          return 'containers';
        case 'CI':
          return 'ci';
        case 'OPS':
          return ({ 'OPS-01': 'api', 'OPS-02': 'api', 'OPS-03': 'containers', 'OPS-04': 'web' } as const)[
            c.id as 'OPS-01'
          ] ?? 'docs';
      }
    };
    const expectedSeed = { API: 2, WEB: 3, DB: 4, CTR: 5, CI: 6, OPS: 7 } as const;
    for (const c of CONTROLS) {
      expect(c.layer, c.id).toBe(expectedLayer(c));
      expect(c.seedSection, c.id).toBe(c.id === 'OPS-08' ? 8 : expectedSeed[c.family]);
    }
  });

  it('rates the controls whose absence is an outright bypass as critical', () => {
    for (const id of ['API-01', 'API-02', 'API-05', 'API-06', 'WEB-05', 'WEB-07', 'DB-01', 'DB-03', 'DB-04', 'DB-05', 'CTR-11', 'CI-04', 'CI-05']) {
      expect(getControl(id)?.severity, id).toBe('critical');
    }
    expect(getControl('API-12')?.severity).toBe('low');
  });

  it('has well-formed references', () => {
    for (const c of CONTROLS) {
      const seen = new Set<string>();
      for (const r of c.references) {
        const key = `${r.kind}:${r.id}`;
        expect(seen.has(key), `${c.id} duplicate ${key}`).toBe(false);
        seen.add(key);
        expect(r.id.trim(), `${c.id} ${r.kind}`).not.toBe('');
        expect(r.id, `${c.id} ${key} has no unconfirmed ids`).not.toMatch(/unconfirmed/i);
        if (r.url !== undefined) expect(r.url, `${c.id} ${key}`).toMatch(/^https:\/\/[^\s]+$/);
        switch (r.kind) {
          case 'asvs':
            expect(r.id, `${c.id} ${key}`).toMatch(/^\d+\.\d+\.\d+$/);
            break;
          case 'hadolint':
            expect(r.id, `${c.id} ${key}`).toMatch(/^DL\d{4}$/);
            break;
          case 'cis':
            expect(r.id, `${c.id} ${key}`).toMatch(/^\d+\.\d+$/);
            break;
          case 'rfc':
            expect(r.id, `${c.id} ${key}`).toMatch(/^RFC \d+$/);
            break;
          case 'scorecard':
            expect(SCORECARD_CHECKS, `${c.id} ${key}`).toContain(r.id);
            break;
          case 'zizmor':
            expect(ZIZMOR_AUDITS, `${c.id} ${key}`).toContain(r.id);
            break;
          case 'codeql':
            expect(r.id, `${c.id} ${key}`).toMatch(/^actions\/[a-z-]+$/);
            break;
          default:
            break;
        }
      }
      for (const rel of c.related ?? []) {
        expect(getControl(rel), `${c.id} related ${rel}`).toBeDefined();
        expect(rel).not.toBe(c.id);
      }
    }
  });

  it('finds controls by ID', () => {
    expect(getControl('API-01')?.title).toMatch(/allowlist/);
    expect(getControl('OPS-08')?.family).toBe('OPS');
    expect(getControl('API-16')).toBeUndefined();
    expect(getControl('api-01')).toBeUndefined();
    expect(getControl('')).toBeUndefined();
  });

  it('selects controls by layer, in catalog order', () => {
    const api = controlsForLayers(['api']);
    expect(api.length).toBeGreaterThan(0);
    expect(api.every((c) => c.layer === 'api')).toBe(true);
    expect(api.map((c) => c.id)).toEqual(CONTROLS.filter((c) => c.layer === 'api').map((c) => c.id));
    expect(api.map((c) => c.id)).toContain('OPS-01');
    expect(controlsForLayers([])).toEqual([]);
    expect(controlsForLayers(ALL_LAYERS).map((c) => c.id)).toEqual(CONTROLS.map((c) => c.id));
    const webDb = controlsForLayers(['db', 'web']);
    expect(webDb.map((c) => c.id)).toEqual(CONTROLS.filter((c) => c.layer === 'web' || c.layer === 'db').map((c) => c.id));
    // The result is a fresh array: mutating it leaves the catalog alone.
    api.pop();
    expect(controlsForLayers(['api'])).toHaveLength(api.length + 1);
  });
});

describe('trust boundaries', () => {
  const ROW_LETTERS: Record<string, StrideCategory[]> = {
    'TM-B1': ['S', 'T', 'I', 'D', 'E'],
    'TM-B2': ['S', 'T', 'I', 'D', 'E'],
    'TM-B3': ['I', 'T', 'E', 'R'],
    'TM-B4': ['S', 'D'],
    'TM-B5': ['E', 'I'],
    'TM-B6': ['T', 'S', 'R'],
    'TM-B7': ['R', 'I'],
  };

  it('lists TM-B1..TM-B7 with data-flow node names', () => {
    expect(TRUST_BOUNDARIES.map((b) => b.id)).toEqual(Object.keys(ROW_LETTERS));
    for (const b of TRUST_BOUNDARIES) {
      expect(b.name.trim(), b.id).not.toBe('');
      expect(DATA_FLOW_NODES, `${b.id}.from`).toContain(b.from);
      expect(DATA_FLOW_NODES, `${b.id}.to`).toContain(b.to);
      expect(b.from, b.id).not.toBe(b.to);
      for (const l of b.requires) expect(ALL_LAYERS, b.id).toContain(l);
    }
    expect(TRUST_BOUNDARIES[0]?.name).toBe('Browser ↔ Next.js server');
  });

  it('covers every STRIDE letter its threat-model row names', () => {
    for (const b of TRUST_BOUNDARIES) {
      for (const t of b.stride) expect(STRIDE_CATEGORY_NAMES[t.category], b.id).toBeTruthy();
      const letters = new Set(b.stride.map((t) => t.category));
      for (const letter of ROW_LETTERS[b.id] ?? []) expect(letters.has(letter), `${b.id} ${letter}`).toBe(true);
    }
  });

  it('cites only existing, specific control IDs', () => {
    for (const b of TRUST_BOUNDARIES) {
      for (const t of b.stride) {
        expect(t.threat.trim(), b.id).not.toBe('');
        expect(t.controls.length, `${b.id}: ${t.threat}`).toBeGreaterThan(0);
        expect(new Set(t.controls).size, `${b.id}: ${t.threat}`).toBe(t.controls.length);
        for (const id of t.controls) {
          expect(id, b.id).toMatch(ID_RE);
          expect(getControl(id), `${b.id} cites ${id}`).toBeDefined();
        }
      }
    }
  });

  it('cites every control of the catalog from at least one threat', () => {
    const cited = new Set(TRUST_BOUNDARIES.flatMap((b) => b.stride.flatMap((t) => t.controls)));
    const uncited = CONTROLS.filter((c) => !cited.has(c.id)).map((c) => c.id);
    expect(uncited).toEqual([]);
  });

  it('selects boundaries whose required layers are all chosen', () => {
    expect(boundariesForLayers(['web']).map((b) => b.id)).toEqual(['TM-B1', 'TM-B7']);
    expect(boundariesForLayers(['api']).map((b) => b.id)).toEqual(['TM-B2', 'TM-B4', 'TM-B7']);
    expect(boundariesForLayers([]).map((b) => b.id)).toEqual(['TM-B7']);
    expect(boundariesForLayers(ALL_LAYERS).map((b) => b.id)).toEqual(TRUST_BOUNDARIES.map((b) => b.id));
    for (const subset of allSubsets()) {
      const chosen = new Set(subset);
      const ids = boundariesForLayers(subset).map((b) => b.id);
      const expected = TRUST_BOUNDARIES.filter((b) => b.requires.every((l) => chosen.has(l))).map((b) => b.id);
      expect(ids, subset.join(',')).toEqual(expected);
    }
  });

  it('gives every chosen control a threat in an in-scope boundary, for any subset of layers', () => {
    for (const subset of allSubsets()) {
      const cited = new Set(boundariesForLayers(subset).flatMap((b) => b.stride.flatMap((t) => t.controls)));
      const uncited = controlsForLayers(subset).filter((c) => !cited.has(c.id)).map((c) => c.id);
      expect(uncited, subset.join(',') || '(none)').toEqual([]);
    }
  });

  it('lists the assets of the threat model with the layers that make them relevant', () => {
    expect(ASSETS).toHaveLength(9);
    expect(new Set(ASSETS.map((a) => a.name)).size).toBe(ASSETS.length);
    expect(ASSETS.map((a) => a.name)).toContain('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY');
    for (const a of ASSETS) {
      for (const l of a.layers) expect(ALL_LAYERS, a.name).toContain(l);
      expect(a.why.trim(), a.name).not.toBe('');
      expect(a.why, a.name).not.toMatch(MARKDOWN);
    }
    const always = ASSETS.filter((a) => a.layers.length === 0).map((a) => a.name);
    expect(assetsForLayers([]).map((a) => a.name)).toEqual(always);
    expect(assetsForLayers(ALL_LAYERS)).toHaveLength(ASSETS.length);
    expect(assetsForLayers(['web']).map((a) => a.name)).toContain('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY');
    expect(assetsForLayers(['api']).map((a) => a.name)).not.toContain('NEXT_SERVER_ACTIONS_ENCRYPTION_KEY');
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check against the research document, when it is available next to the repo.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const controlsMdPath = ['/work/shared/CONTROLS.md', resolve(repoRoot, '..', 'shared', 'CONTROLS.md')].find((p) =>
  existsSync(p),
);
const controlsMd = controlsMdPath === undefined ? '' : readFileSync(controlsMdPath, 'utf8');

/** Table rows of CONTROLS.md whose first cell is a control ID, as [id, cells]. */
function controlRows(md: string): [string, string[]][] {
  const rows: [string, string[]][] = [];
  for (const line of md.split('\n')) {
    const m = /^\|\s*((?:API|WEB|DB|CTR|CI|OPS)-\d{2})\s*\|/.exec(line);
    if (!m) continue;
    // Cells are separated by unescaped pipes; the leading and trailing pipes give empty first/last cells.
    rows.push([m[1]!, line.split(/(?<!\\)\|/).map((s) => s.trim())]);
  }
  return rows;
}

/** The Source cell: third from the end (… | Source | Check |). */
function sourceCell(cells: string[]): string {
  return cells[cells.length - 3] ?? '';
}

function asvsIdsIn(source: string): string[] {
  const at = source.indexOf('ASVS');
  if (at < 0) return [];
  const ids: string[] = [];
  for (const m of source.slice(at).matchAll(/(\d+)\.(\d+)\.(\d+)(?:\s*[–-]\s*(\d+)\.(\d+)\.(\d+))?/g)) {
    const [, a, b, c, a2, b2, c2] = m;
    if (a2 !== undefined && a2 === a && b2 === b && c2 !== undefined) {
      for (let n = Number(c); n <= Number(c2); n++) ids.push(`${a}.${b}.${n}`);
    } else {
      ids.push(`${a}.${b}.${c}`);
    }
  }
  return ids;
}

function refIds(c: Control | undefined, kind: string): string[] {
  return (c?.references ?? []).filter((r) => r.kind === kind).map((r) => r.id).sort();
}

const NO_DOC = 'CONTROLS.md not found at /work/shared/CONTROLS.md or ../shared/CONTROLS.md (research doc is not shipped with the repo)';

describe(`catalog matches CONTROLS.md${controlsMdPath === undefined ? ` (skipped: ${NO_DOC})` : ''}`, () => {
  it.skipIf(controlsMdPath === undefined)('holds exactly the control IDs of the CONTROLS.md tables', () => {
    const ids = controlRows(controlsMd).map(([id]) => id);
    expect(ids.length).toBeGreaterThan(0);
    expect(CONTROLS.map((c) => c.id)).toEqual(ids);
  });

  it.skipIf(controlsMdPath === undefined)('holds exactly the threat-model boundaries of CONTROLS.md §1', () => {
    const ids = [...controlsMd.matchAll(/^\|\s*(TM-B\d+)\s*\|/gm)].map((m) => m[1]);
    expect(TRUST_BOUNDARIES.map((b) => b.id)).toEqual(ids);
  });

  it.skipIf(controlsMdPath === undefined)('cites the ASVS, CIS, hadolint and RFC ids of each row', () => {
    for (const [id, cells] of controlRows(controlsMd)) {
      const source = sourceCell(cells);
      const c = getControl(id);
      expect(refIds(c, 'asvs'), `${id} ASVS`).toEqual([...new Set(asvsIdsIn(source))].sort());
      expect(refIds(c, 'hadolint'), `${id} hadolint`).toEqual([...source.matchAll(/DL\d{4}/g)].map((m) => m[0]).sort());
      expect(refIds(c, 'cis'), `${id} CIS`).toEqual([...source.matchAll(/CIS (\d+\.\d+)/g)].map((m) => m[1]).sort());
      expect(refIds(c, 'rfc'), `${id} RFC`).toEqual([...source.matchAll(/RFC (\d+)/g)].map((m) => `RFC ${m[1]}`).sort());
      for (const check of SCORECARD_CHECKS) {
        if (new RegExp(`Scorecard [^;|]*\\b${check}\\b`).test(source)) {
          expect(refIds(c, 'scorecard'), `${id} Scorecard ${check}`).toContain(check);
        }
      }
    }
  });

  it.skipIf(controlsMdPath === undefined)('lists the same Scorecard checks and zizmor audits', () => {
    const list = (label: string): string[] => {
      const line = controlsMd.split('\n').find((l) => l.startsWith(`**${label}`));
      expect(line, label).toBeDefined();
      return (line ?? '')
        .slice((line ?? '').indexOf(':**') + 3)
        .split(',')
        .map((s) => s.trim().replace(/\.$/, ''));
    };
    expect([...SCORECARD_CHECKS]).toEqual(list('Scorecard checks'));
    expect([...ZIZMOR_AUDITS]).toEqual(list('zizmor audits'));
  });
});
