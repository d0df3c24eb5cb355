import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { BUILTIN_PRESETS_DIR, resolvePreset, usePrecomputedPresets } from '../../src/presets/presets.js';
import { loadPrecompiledTemplates } from '../../src/render/templates.js';
import { mergeAnswers, finaliseAnswers } from '../../src/answers/resolve.js';
import { makeTempDir, removeDir } from '../support/cli.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeDir(dir));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('built-in presets', () => {
  it('default: all layers, multi-tenant', () => {
    const preset = resolvePreset('default', dir);
    expect(preset.answers.layers).toEqual(['api', 'web', 'db', 'containers', 'ci', 'docs']);
    expect(preset.answers.multiTenant).toBe(true);
    expect(preset.locked.size).toBe(0);
  });

  it('api-only extends default without the web layer', () => {
    const preset = resolvePreset('api-only', dir);
    expect(preset.chain.map((ref) => ref.name)).toEqual(['default', 'api-only']);
    expect(preset.answers.layers).not.toContain('web');
    expect(preset.answers.layers).toContain('api');
  });

  it('strict locks layers and multi-tenancy', () => {
    const preset = resolvePreset('strict', dir);
    expect([...preset.locked.keys()].sort()).toEqual(['layers', 'multiTenant']);
  });

  it('an unknown built-in name is a usage error listing the built-ins', () => {
    expect(() => resolvePreset('nope', dir)).toThrow(/unknown preset "nope".*default, api-only, strict/);
  });
});

describe('presets from files', () => {
  it('a path preset extends strict and adds its own locks', () => {
    const org = write('org.yaml', 'extends: strict\nanswers:\n  cloud: aws\n  oidcIssuer: https://login.example.org/\nlocked: [cloud, oidcIssuer]\n');
    const preset = resolvePreset('./org.yaml', dir);
    expect(preset.chain.map((ref) => ref.name)).toEqual(['default', 'strict', './org.yaml']);
    expect(preset.chain.at(-1)!.file).toBe(org);
    expect(preset.answers.cloud).toBe('aws');
    expect([...preset.locked.keys()].sort()).toEqual(['cloud', 'layers', 'multiTenant', 'oidcIssuer']);
  });

  it('a child preset cannot change what its parent locked', () => {
    write('weak.yaml', 'extends: strict\nanswers:\n  multiTenant: false\n');
    expect(() => resolvePreset('./weak.yaml', dir)).toThrow(/weak\.yaml: "multiTenant" is locked by preset .*strict\.yaml/);
  });

  it('bad YAML reports file:line:col', () => {
    const file = write('broken.yaml', 'answers:\n  layers: [api, web\n  cloud: aws\n');
    expect(() => resolvePreset(file, dir)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
  });

  it('an unknown key reports its file and line', () => {
    const file = write('typo.yaml', 'description: org preset\nanswers:\n  cloud: aws\n  multiTenent: true\n');
    expect(() => resolvePreset(file, dir)).toThrow(`${file}:4:3: unknown key "multiTenent"`);
  });

  it('a bad value reports its file and line', () => {
    const file = write('bad.yaml', 'answers:\n  cloud: mainframe\n');
    expect(() => resolvePreset(file, dir)).toThrow(new RegExp(`bad\\.yaml:2:\\d+: answers\\.cloud:`));
  });

  it('a cycle of extends is refused', () => {
    write('a.yaml', 'extends: ./b.yaml\n');
    write('b.yaml', 'extends: ./a.yaml\n');
    expect(() => resolvePreset('./a.yaml', dir)).toThrow(/cycle/);
  });

  it('a missing preset file is a usage error', () => {
    expect(() => resolvePreset('./missing.yaml', dir)).toThrow(UsageError);
  });
});

describe('answer precedence and locks', () => {
  it('defaults < preset < answers file < flags', () => {
    const answersFile = write('answers.yaml', 'cloud: gcp\noidcAudience: from-file\n');
    const merged = mergeAnswers({
      cwd: dir,
      projectName: 'demo',
      preset: 'api-only',
      answersFile,
      flags: { oidcAudience: 'from-flag' },
      flagNames: { oidcAudience: '--oidc-audience' },
    });
    const answers = finaliseAnswers(merged.values);
    expect(answers).toMatchObject({ projectName: 'demo', cloud: 'gcp', oidcAudience: 'from-flag', multiTenant: true });
    expect(answers.layers).toEqual(['api', 'db', 'containers', 'ci', 'docs']);
  });

  it('a flag contradicting a locked key is refused, naming the preset file and the key', () => {
    expect(() =>
      mergeAnswers({ cwd: dir, projectName: 'demo', preset: 'strict', flags: { multiTenant: false }, flagNames: { multiTenant: '--multi-tenant' } }),
    ).toThrow(/--multi-tenant contradicts preset .*presets\/strict\.yaml: "multiTenant" is locked to true/);
  });

  it('repeating a locked value is fine, and layer order does not matter', () => {
    expect(() =>
      mergeAnswers({ cwd: dir, projectName: 'demo', preset: 'strict', flags: { layers: ['docs', 'ci', 'containers', 'db', 'web', 'api'] }, flagNames: {} }),
    ).not.toThrow();
  });

  it('an answers file contradicting a lock is refused', () => {
    const answersFile = write('answers.yaml', 'layers: [api]\n');
    expect(() => mergeAnswers({ cwd: dir, projectName: 'demo', preset: 'strict', answersFile, flags: {}, flagNames: {} })).toThrow(
      /answers\.yaml: layers contradicts preset .*strict\.yaml: "layers" is locked/,
    );
  });
});

describe('built-in presets read ahead of time', () => {
  afterEach(() => usePrecomputedPresets(undefined));
  const defaultSha = (): string => createHash('sha256').update(readFileSync(path.join(BUILTIN_PRESETS_DIR, 'default.yaml'))).digest('hex');

  it('are used while the file has the recorded sha256, and validated like the file', () => {
    usePrecomputedPresets({ default: { sha256: defaultSha(), data: { answers: { cloud: 'gcp' } } } });
    expect(resolvePreset('default', dir).answers).toEqual({ cloud: 'gcp' }); // the recorded contents, not the file's
    usePrecomputedPresets({ default: { sha256: defaultSha(), data: { answers: { cloud: 'mars' } } } });
    expect(resolvePreset('default', dir).answers.cloud).toBe('none'); // invalid: the file is read instead
  });

  it('are ignored once the file changed (another sha256)', () => {
    usePrecomputedPresets({ default: { sha256: '0'.repeat(64), data: { answers: { cloud: 'gcp' } } } });
    expect(resolvePreset('default', dir).answers.cloud).toBe('none');
  });

  it('match the preset files in templates/precompiled.mjs', async () => {
    await loadPrecompiledTemplates();
    const viaCache = resolvePreset('strict', dir);
    usePrecomputedPresets(undefined);
    expect(viaCache).toEqual(resolvePreset('strict', dir));
  });
});
