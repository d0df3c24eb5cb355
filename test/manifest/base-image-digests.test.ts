/**
 * `--pin-digests` digests live in `.secure-stack.yaml`: the manifest records the `name:tag → sha256` map a
 * generation used, and renderInputFromManifest turns a parsed manifest back into the RenderInput that renders
 * the very same files (Dockerfiles and compose pinned by the same digests) without asking a registry. A manifest
 * without the map re-renders the tag-only files; a malformed map is refused with file:line:col.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGES } from '../../src/layers/containers/images.js';
import { MANIFEST_FILE, parseManifest, serializeManifest } from '../../src/manifest/manifest.js';
import { renderInputFromManifest, renderProject, type RenderedProject, type RenderInput } from '../../src/pipeline/generate.js';
import { UsageError } from '../../src/errors.js';
import { TEST_GENERATED_ON, fakeBaseImageDigests, testAnswers } from '../support/project.js';
import { thrownBy } from '../support/errors.js';

const PINNED_FILES = ['api/Dockerfile', 'web/Dockerfile', 'compose.yaml'];

let digests: Record<string, string>;
let pinnedInput: RenderInput;
let pinned: RenderedProject;
let pinnedText: string;

beforeAll(async () => {
  digests = await fakeBaseImageDigests();
  pinnedInput = { answers: testAnswers({ cloud: 'aws' }), presets: [{ name: 'strict', builtin: true }], generatedOn: TEST_GENERATED_ON, baseImageDigests: digests };
  pinned = await renderProject(pinnedInput);
  pinnedText = serializeManifest(pinned.manifest);
}, 60_000);

const fileText = (project: RenderedProject, filePath: string): string => {
  const file = project.files.find((candidate) => candidate.path === filePath);
  if (file === undefined) throw new Error(`${filePath} was not rendered`);
  return file.content.toString('utf8');
};

/** Every rendered file as path → text, to compare two renders whole. */
const allFiles = (project: RenderedProject): Record<string, string> =>
  Object.fromEntries(project.files.map((file) => [file.path, file.content.toString('utf8')]));

describe('the manifest records the digests of --pin-digests', () => {
  it('writes each base image reference with its digest, sorted by reference', () => {
    expect(pinned.manifest.baseImageDigests).toEqual(digests);
    expect(Object.keys(pinned.manifest.baseImageDigests!)).toEqual(Object.keys(digests).sort());
    const block = /^baseImageDigests:\n((?: {2}.*\n)+)/m.exec(pinnedText);
    expect(block, pinnedText).not.toBeNull();
    expect(block![1]!.trimEnd().split('\n')).toEqual(Object.keys(digests).sort().map((reference) => `  ${reference}: ${digests[reference]}`));
    // The same digests are what the pinned files say.
    for (const image of Object.values(BASE_IMAGES)) {
      const ref = `${image.reference}@${digests[image.reference]}`;
      expect(PINNED_FILES.some((filePath) => fileText(pinned, filePath).includes(ref)), ref).toBe(true);
    }
  });

  it('has no digests key when nothing was pinned (offline generation)', async () => {
    const tagOnly = await renderProject({ ...pinnedInput, baseImageDigests: {} });
    expect(tagOnly.manifest.baseImageDigests).toBeUndefined();
    expect(serializeManifest(tagOnly.manifest)).not.toContain('baseImageDigests');
    const none = await renderProject({ answers: pinnedInput.answers, presets: [], generatedOn: TEST_GENERATED_ON });
    expect(none.manifest).not.toHaveProperty('baseImageDigests');
  });

  it('records only what resolved: a partly pinned generation keeps the others on their tags', async () => {
    const python = BASE_IMAGES.python.reference;
    const partial = await renderProject({ ...pinnedInput, baseImageDigests: { [python]: digests[python]! } });
    expect(partial.manifest.baseImageDigests).toEqual({ [python]: digests[python] });
    const again = await renderProject(renderInputFromManifest(parseManifest(serializeManifest(partial.manifest))));
    expect(allFiles(again)).toEqual(allFiles(partial));
    expect(fileText(again, 'api/Dockerfile')).toContain(`FROM ${python}@${digests[python]} AS build`);
    expect(fileText(again, 'web/Dockerfile')).toContain(`FROM ${BASE_IMAGES.node.reference} AS deps`);
  });
});

describe('re-rendering from a manifest', () => {
  it('generate with digests → manifest text → RenderInput → identical Dockerfiles, compose and every other file', async () => {
    const input = renderInputFromManifest(parseManifest(pinnedText));
    expect(input).toEqual({ answers: pinnedInput.answers, presets: [{ name: 'strict', builtin: true }], generatedOn: TEST_GENERATED_ON, baseImageDigests: digests });
    const again = await renderProject(input);
    for (const filePath of PINNED_FILES) expect(fileText(again, filePath), filePath).toBe(fileText(pinned, filePath));
    expect(allFiles(again)).toEqual(allFiles(pinned));
    expect(serializeManifest(again.manifest)).toBe(pinnedText);
  });

  it('depends on the recorded digests: the same manifest without them renders tag-only Dockerfiles', async () => {
    const stripped = parseManifest(pinnedText);
    delete stripped.baseImageDigests;
    const input = renderInputFromManifest(stripped);
    expect(input).not.toHaveProperty('baseImageDigests');
    const tagOnly = await renderProject(input);
    for (const filePath of PINNED_FILES) {
      expect(fileText(tagOnly, filePath), filePath).not.toBe(fileText(pinned, filePath));
      expect(fileText(tagOnly, filePath), filePath).not.toMatch(/@sha256:[0-9a-f]{64}/);
    }
    expect(fileText(tagOnly, 'web/Dockerfile')).toContain(`FROM ${BASE_IMAGES.node.reference} AS deps`);
  });

  it('a recorded digest of an image this version no longer uses changes nothing (a digest belongs to its tag)', async () => {
    const manifest = parseManifest(pinnedText);
    manifest.baseImageDigests = { 'node:20-bookworm-slim': `sha256:${'a'.repeat(64)}` };
    const rendered = await renderProject(renderInputFromManifest(parseManifest(serializeManifest(manifest))));
    expect(fileText(rendered, 'web/Dockerfile')).not.toMatch(/@sha256:[0-9a-f]{64}/);
    expect(fileText(rendered, 'web/Dockerfile')).not.toContain('a'.repeat(64));
  });

  it('does not share the RenderInput map with the parsed manifest', () => {
    const manifest = parseManifest(pinnedText);
    const input = renderInputFromManifest(manifest);
    expect(input.baseImageDigests).not.toBe(manifest.baseImageDigests);
    expect(input.presets).not.toBe(manifest.presets);
  });
});

describe('parseManifest refuses malformed digests with file:line:col', () => {
  const node = BASE_IMAGES.node.reference;

  it('a digest that is not sha256:<64 hex>', () => {
    for (const bad of [`sha256:${'1'.repeat(63)}`, `sha512:${'1'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, '1'.repeat(64)]) {
      const edited = pinnedText.replace(`  ${node}: ${digests[node]}`, `  ${node}: ${JSON.stringify(bad)}`);
      expect(edited).not.toBe(pinnedText);
      const line = edited.split('\n').findIndex((text) => text.startsWith(`  ${node}: `)) + 1;
      expect(thrownBy(UsageError, () => parseManifest(edited)).message, bad).toMatch(new RegExp(`^\\${MANIFEST_FILE}:${line}:\\d+: baseImageDigests\\..*: must be sha256:<64 hex>$`));
    }
  });

  it('a reference that carries a digest or has no tag', () => {
    for (const bad of [`${node}@${digests[node]}`, 'node']) {
      const edited = pinnedText.replace(`  ${node}: `, `  ${JSON.stringify(bad)}: `);
      expect(edited).not.toBe(pinnedText);
      expect(thrownBy(UsageError, () => parseManifest(edited)).message, bad).toMatch(/^\.secure-stack\.yaml:\d+:\d+: baseImageDigests.*must be an image name:tag without a digest$/);
    }
  });
});
