/**
 * `.secure-stack.yaml`: what renderProject records round-trips through serializeManifest and parseManifest;
 * a hand-edited manifest with a typo, a bad hash, another schema version or broken YAML is refused with
 * `file:line:col`; the text is stable (a header, no timestamps other than generatedOn).
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { finaliseAnswers } from '../../src/answers/resolve.js';
import { defaultAnswers, type Answers } from '../../src/answers/schema.js';
import { UsageError } from '../../src/errors.js';
import { LAYERS } from '../../src/layers/registry.js';
import { MANIFEST_FILE, parseManifest, serializeManifest, type Manifest } from '../../src/manifest/manifest.js';
import { renderProject, type RenderedProject } from '../../src/pipeline/generate.js';
import { thrownBy } from '../support/errors.js';

const GENERATED_ON = '2026-11-27';
const HEADER_LINES = [
  '# secure-stack manifest: what create-secure-stack generated here, from which answers.',
  '# `secure-stack diff`, `add` and `upgrade` read it; keep it in version control.',
  '# files.<path>.sha256 is the hash of the file as generated, not as you edited it.',
];

async function render(overrides: Partial<Answers> = {}, generatedOn = GENERATED_ON): Promise<RenderedProject> {
  const answers = finaliseAnswers({ ...defaultAnswers('demo'), ...overrides });
  return renderProject({ answers, presets: [{ name: 'default', builtin: true }], generatedOn });
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function position(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${JSON.stringify(needle)} is not in the manifest`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

let project: RenderedProject;
let text: string;
beforeAll(async () => {
  project = await render();
  text = serializeManifest(project.manifest);
}, 60_000);

afterEach(() => {
  vi.useRealTimers();
});

describe('serializeManifest / parseManifest', () => {
  it('round-trips the manifest renderProject built', () => {
    expect(parseManifest(text)).toEqual(project.manifest);
    expect(serializeManifest(parseManifest(text))).toBe(text);
  });

  it('round-trips other answers and layer choices too', async () => {
    for (const overrides of [
      { layers: ['docs'], multiTenant: false, cloud: 'aws' },
      { layers: ['api', 'db', 'docs'], oidcAudience: '|a|b|"quoted"#not-a-comment', oidcIssuer: 'https://idp.example.com/realms/a_b*c' },
      { layers: ['web', 'ci'], securityContact: 'security@example.org' },
    ] satisfies Array<Partial<Answers>>) {
      const manifest = (await render(overrides)).manifest;
      expect(parseManifest(serializeManifest(manifest)), JSON.stringify(overrides)).toEqual(manifest);
    }
  });

  it('records every generated file with its layer and the SHA-256 of its content', () => {
    const parsed = parseManifest(text);
    expect(Object.keys(parsed.files)).toEqual(project.files.map((file) => file.path));
    for (const file of project.files) {
      const digest = createHash('sha256').update(file.content).digest('hex');
      expect(parsed.files[file.path], file.path).toEqual({ layer: file.layer, sha256: digest });
    }
    expect(parsed.files['docs/security/THREAT_MODEL.md']?.layer).toBe('docs');
    expect(parsed.files['.gitignore']?.layer).toBe('base');
  });

  it('records the canonical answers, the presets and the layers', () => {
    const parsed = parseManifest(text);
    expect(parsed.answers).toEqual(finaliseAnswers({ ...defaultAnswers('demo') }));
    expect(parsed.presets).toEqual([{ name: 'default', builtin: true }]);
    expect(parsed.layers.docs).toEqual({ directory: 'docs', generated: true });
    expect(parsed.layers.api).toEqual({ directory: 'api', generated: true });
    // Every chosen layer is recorded, with whether this version generated it (from the registry).
    for (const [id, entry] of Object.entries(parsed.layers)) {
      expect(entry.generated, id).toBe(id === 'base' ? true : LAYERS[id as keyof typeof LAYERS].generated);
    }
    expect(parsed.layers.base).toEqual({ directory: '', generated: true });
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.generatedOn).toBe(GENERATED_ON);
  });

  it('refuses to serialize an invalid manifest', () => {
    expect(() => serializeManifest({ ...project.manifest, generatedOn: 'yesterday' })).toThrow();
    expect(() => serializeManifest({ ...project.manifest, schemaVersion: 2 } as unknown as Manifest)).toThrow();
  });
});

describe('the serialized text', () => {
  it('starts with the comment header, then the schema version', () => {
    const lines = text.split('\n');
    expect(lines.slice(0, HEADER_LINES.length)).toEqual(HEADER_LINES);
    expect(lines[HEADER_LINES.length]).toBe('schemaVersion: 1');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('holds no timestamp other than generatedOn', () => {
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/);
    const dates = text.match(/\b\d{4}-\d{2}-\d{2}\b/g) ?? [];
    expect(dates).toEqual([GENERATED_ON]);
    expect(text).toContain(`generatedOn: ${GENERATED_ON}\n`);
  });

  it('does not depend on the wall clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2001-02-03T04:05:06Z'));
    const early = serializeManifest((await render()).manifest);
    vi.setSystemTime(new Date('2099-12-31T23:59:59Z'));
    const late = serializeManifest((await render()).manifest);
    vi.useRealTimers();
    expect(early).toBe(text);
    expect(late).toBe(text);
  });

  it('changes with generatedOn only where the generated files do', async () => {
    const other = serializeManifest((await render({}, '2027-01-15')).manifest);
    expect(other).toContain('generatedOn: 2027-01-15\n');
    const differing = other.split('\n').filter((line, index) => line !== text.split('\n')[index]);
    for (const line of differing) expect(line).toMatch(/^(?:generatedOn: 2027-01-15|    sha256: [0-9a-f]{64})$/);
  });
});

describe('parseManifest refuses a bad manifest with file:line:col', () => {
  it('an unknown top-level key', () => {
    const edited = text.replace('templateVersion:', 'templateVersio: 1\ntemplateVersion:');
    const error = thrownBy(UsageError, () => parseManifest(edited));
    expect(error.message).toBe(`${MANIFEST_FILE}:${position(edited, 'templateVersio:')}: unknown key "templateVersio"`);
  });

  it('an unknown key inside answers', () => {
    const edited = text.replace('  multiTenant: true', '  multiTenent: true\n  multiTenant: true');
    const error = thrownBy(UsageError, () => parseManifest(edited, 'repo/.secure-stack.yaml'));
    expect(error.message).toBe(`repo/.secure-stack.yaml:${position(edited, 'multiTenent')}: unknown key "multiTenent"`);
  });

  it('a bad sha256', () => {
    const hash = project.manifest.files['README.md']!.sha256;
    const edited = text.replace(`sha256: ${hash}`, `sha256: ${hash.slice(0, 63)}G`);
    const error = thrownBy(UsageError, () => parseManifest(edited));
    expect(error.message).toMatch(/^\.secure-stack\.yaml:\d+:\d+: files\.README\.md\.sha256: must be a hex SHA-256$/);
    expect(error.message.startsWith(`${MANIFEST_FILE}:${position(edited, `${hash.slice(0, 63)}G`).split(':')[0]}:`)).toBe(true);
  });

  it('an upper-case or short sha256', () => {
    const hash = project.manifest.files['README.md']!.sha256;
    expect(thrownBy(UsageError, () => parseManifest(text.replace(hash, hash.toUpperCase()))).message).toMatch(/sha256: must be a hex SHA-256$/);
    expect(thrownBy(UsageError, () => parseManifest(text.replace(hash, hash.slice(1)))).message).toMatch(/sha256: must be a hex SHA-256$/);
  });

  it('a wrong schemaVersion', () => {
    const edited = text.replace('schemaVersion: 1\n', 'schemaVersion: 2\n');
    const error = thrownBy(UsageError, () => parseManifest(edited));
    expect(error.message).toMatch(new RegExp(`^\\.secure-stack\\.yaml:${position(edited, 'schemaVersion')}: schemaVersion: `));
  });

  it('a file attributed to an unknown layer', () => {
    const edited = text.replace('    layer: base\n', '    layer: mobile\n');
    expect(thrownBy(UsageError, () => parseManifest(edited)).message).toMatch(/^\.secure-stack\.yaml:\d+:\d+: files\.\.editorconfig\.layer: /);
  });

  it('invalid answers, with the answer named', () => {
    const edited = text.replace('  cloud: none\n', '  cloud: mainframe\n');
    const error = thrownBy(UsageError, () => parseManifest(edited));
    expect(error.message).toMatch(new RegExp(`^\\.secure-stack\\.yaml:${position(edited, 'cloud: mainframe').split(':')[0]}:\\d+: answers\\.cloud: `));
  });

  it('bad YAML', () => {
    const unclosed = `${text}extra: [unclosed\n`;
    expect(thrownBy(UsageError, () => parseManifest(unclosed)).message).toMatch(/^\.secure-stack\.yaml:\d+:\d+: invalid YAML: /);
    const duplicate = `${text}generatedOn: ${GENERATED_ON}\n`;
    expect(thrownBy(UsageError, () => parseManifest(duplicate)).message).toMatch(/^\.secure-stack\.yaml:\d+:\d+: invalid YAML: /);
    const badIndent = text.replace('tool:\n  name:', 'tool:\n name:\n  name:');
    expect(thrownBy(UsageError, () => parseManifest(badIndent)).message).toMatch(/^\.secure-stack\.yaml:\d+:\d+: /);
  });

  it('an empty or non-mapping document', () => {
    expect(thrownBy(UsageError, () => parseManifest('')).message).toMatch(/^\.secure-stack\.yaml:\d+:\d+: /);
    expect(thrownBy(UsageError, () => parseManifest('- a\n- b\n')).message).toMatch(/^\.secure-stack\.yaml:1:1: /);
  });
});
