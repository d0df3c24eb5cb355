/**
 * The manifest's own YAML printer (src/manifest/plain-yaml.ts) against the yaml library it stands in for: on
 * every manifest the answer sets generate, and on random values, whatever it prints is byte for byte what
 * yaml's stringify prints, and what it cannot print exactly it declines.
 */
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { LAYER_IDS } from '../../src/answers/schema.js';
import { stringifyPlainYaml } from '../../src/manifest/plain-yaml.js';
import { renderProject } from '../../src/pipeline/generate.js';
import { answerSetRenderInputs } from '../../scripts/answer-sets.mjs';
import { REPO_ROOT } from '../support/cli.js';

const library = (value: unknown): string => stringify(value, { lineWidth: 0, sortMapEntries: false });

describe('stringifyPlainYaml', () => {
  it('prints every generated manifest exactly as the yaml library does', async () => {
    const inputs = answerSetRenderInputs(REPO_ROOT, LAYER_IDS) as Array<{ name: string; input: Parameters<typeof renderProject>[0] }>;
    expect(inputs.length).toBeGreaterThan(5);
    const printedSets = new Set<string>();
    for (const { name, input } of inputs) {
      const { manifest } = await renderProject(input, 'none');
      const withExtras = { ...manifest, components: [{ generator: 'route', name: 'invoices', files: { 'api/app/routes/invoices.py': 'a'.repeat(64) } }] };
      for (const value of [manifest, withExtras]) {
        const printed = stringifyPlainYaml(value);
        if (printed !== undefined) printedSets.add(name);
        if (printed !== undefined) expect(printed, name).toBe(library(value));
      }
    }
    // What `new --yes` writes takes the fast path; sets with long or unusual answers may be left to the library.
    expect(printedSets).toContain('default');
    expect(printedSets.size).toBeGreaterThan(inputs.length / 2);
  }, 120_000);

  it('declines what needs quoting or another style, and prints the rest as the library does', () => {
    const tricky = fc.constantFrom(
      'true', 'True', 'no', 'off', 'y', 'null', '~', '', '1', '-1', '0x1F', '0o17', '1e3', '.5', '1.', '.inf', '-.Inf', '.nan',
      '1:20', '1_000', '2026-11-28', '0.1.0', 'a: b', 'a #b', 'ends:', '-x', '@x', ':x', 'mailto:a@b.c', 'https://idp.example.com/',
      '.github/workflows/ci.yml', 'a b', "it's", 'say "hi"', 'line\nbreak', 'tab\there', 'é', '#x', '!x', '&x', '*x', '%x', '?x', 'x?', '[x]', '{x}',
      'sha256:' + 'ab'.repeat(32), 'docker.io/library/python:3.13-slim', '+1', 'x+y', 'a/b', '_', 'Y', 'NULL', 'FALSE',
    );
    const plain = fc.stringMatching(/^[a-z0-9_./][a-z0-9_./@:+-]{0,8}$/);
    const key = fc.oneof({ arbitrary: plain, weight: 8 }, { arbitrary: tricky, weight: 1 }, { arbitrary: fc.string({ maxLength: 6 }), weight: 1 });
    const scalar = fc.oneof(
      { arbitrary: plain, weight: 12 },
      { arbitrary: tricky, weight: 2 },
      { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
      { arbitrary: fc.boolean(), weight: 2 },
      { arbitrary: fc.integer(), weight: 2 },
      { arbitrary: fc.double(), weight: 1 },
      { arbitrary: fc.constant(null), weight: 1 },
      { arbitrary: fc.constant(undefined), weight: 1 },
    );
    const value = fc.letrec<{ node: unknown; map: Record<string, unknown> }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), fc.array(fc.oneof(scalar, tie('map')), { maxLength: 3 })),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    }));
    let printedCount = 0;
    fc.assert(
      fc.property(value.map, (map) => {
        const printed = stringifyPlainYaml(map);
        if (printed === undefined) return;
        printedCount += 1;
        expect(printed).toBe(library(map));
        expect(parse(printed)).toEqual(JSON.parse(JSON.stringify(map)));
      }),
      { numRuns: 10000 },
    );
    expect(printedCount).toBeGreaterThan(300); // the property is not vacuous
  });

  it('declines a string a YAML reader would take for another type', () => {
    for (const word of ['true', 'no', 'null', '~', '12', '1.5', '0x10', '.inf', '1:30', 'on']) {
      expect(stringifyPlainYaml({ key: word }), word).toBeUndefined();
      expect(stringifyPlainYaml({ [word]: 'value' }), word).toBeUndefined();
    }
    expect(stringifyPlainYaml({ key: 'plain', list: ['a', 'b'], map: { inner: true }, empty: {}, none: [] })).toBe(
      'key: plain\nlist:\n  - a\n  - b\nmap:\n  inner: true\nempty: {}\nnone: []\n',
    );
  });
});
