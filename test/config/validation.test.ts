/**
 * The schemas moved from zod to valibot (issue 10). These pin what the move could silently change: a list
 * where a mapping is expected is still refused (valibot's objects and records accept arrays), and messages
 * read as sentences for the user rather than valibot's `Invalid type: Expected ... but received ...`.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partialAnswersSchema } from '../../src/answers/schema.js';
import { loadManifestSuppressions } from '../../src/check/suppressions.js';
import { mapping, validate } from '../../src/config/validation.js';
import { parseYamlFile } from '../../src/config/yaml-file.js';
import { UsageError } from '../../src/errors.js';
import { parsePins } from '../../src/layers/ci/pins.js';
import { MANIFEST_FILE } from '../../src/manifest/manifest.js';
import { resolvePreset } from '../../src/presets/presets.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { thrownBy } from '../support/errors.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeDir(dir));

const answersError = (text: string): string => thrownBy(UsageError, () => parseYamlFile(text, 'answers.yaml', partialAnswersSchema)).message;

describe('a list is not a mapping', () => {
  it('an answers file that is a list, even an empty one, is refused', () => {
    expect(answersError('[]\n')).toBe('answers.yaml:1:1: (document): expected a mapping of keys to values, not a list');
    expect(answersError('- cloud: aws\n')).toBe('answers.yaml:1:1: (document): expected a mapping of keys to values, not a list');
  });

  it('a preset whose answers are a list is refused at that key', () => {
    const file = path.join(dir, 'org.yaml');
    writeFileSync(file, 'extends: default\nanswers: []\n');
    expect(thrownBy(UsageError, () => resolvePreset(file, dir)).message).toBe(`${file}:2:1: answers: expected a mapping of keys to values, not a list`);
  });

  it('a manifest that is a list does not pass for one without suppressions', () => {
    writeFileSync(path.join(dir, MANIFEST_FILE), '- control: CTR-01\n');
    expect(thrownBy(UsageError, () => loadManifestSuppressions(dir)).message).toBe(
      `${path.join(dir, MANIFEST_FILE)}:1:1: (document): expected a mapping of keys to values, not a list`,
    );
  });

  it('a record given as a list does not turn its indexes into keys', () => {
    const files = mapping(v.strictObject({ files: mapping(v.record(v.string(), v.string())) }));
    expect(validate(files, { files: ['a'] })).toEqual({ success: false, problem: { path: ['files'], message: 'expected a mapping of keys to values, not a list' } });
    expect(() => parsePins('actions: []\ntools: {actionlint: {module: example.com/x, version: v1.0.0}}\n')).toThrow(
      'data/actions-pins.yaml: actions: expected a mapping of keys to values, not a list',
    );
  });
});

describe('messages', () => {
  it('names what was expected and what was given', () => {
    expect(answersError('multiTenant: maybe\n')).toBe('answers.yaml:1:1: multiTenant: expected a boolean (true or false), not the string "maybe"');
    expect(answersError('cloud: mars\n')).toBe('answers.yaml:1:1: cloud: expected one of aws|gcp|azure|none');
    expect(answersError('layers: [api, mobile]\n')).toBe('answers.yaml:1:15: layers.1: expected one of api|web|db|containers|ci|docs');
    expect(answersError('layers: api\n')).toBe('answers.yaml:1:1: layers: expected a list, not the string "api"');
    expect(answersError('oidcAudience: ""\n')).toBe('answers.yaml:1:1: oidcAudience: must not be empty');
    expect(answersError('cloud:\n')).toBe('answers.yaml:1:1: cloud: expected one of aws|gcp|azure|none');
  });

  it('keeps the messages the schemas give (computed ones too)', () => {
    expect(answersError('layers: []\n')).toBe('answers.yaml:1:1: layers: choose at least one layer');
    expect(answersError('layers: [db, db]\n')).toBe('answers.yaml:1:1: layers: a layer is listed twice');
    expect(answersError('oidcIssuer: http://idp.example.com\n')).toBe('answers.yaml:1:1: oidcIssuer: must use https (http is accepted only for localhost)');
    expect(answersError('securityContact: someone\n')).toBe('answers.yaml:1:1: securityContact: must be an e-mail address, a mailto:, tel: or https: URI');
  });

  it('an unknown key is named with its own position; a missing key says it is required', () => {
    expect(answersError('cloud: aws\nclod: gcp\n')).toBe('answers.yaml:2:1: unknown key "clod"');
    const required = mapping(v.strictObject({ tool: mapping(v.strictObject({ name: v.string(), version: v.string() })) }));
    expect(validate(required, { tool: { name: 'x' } })).toEqual({ success: false, problem: { path: ['tool', 'version'], message: 'is required' } });
  });

  it('applies the transform before the check, and returns its output', () => {
    expect(validate(partialAnswersSchema, { securityContact: 'security@example.org' })).toEqual({
      success: true,
      data: { securityContact: 'mailto:security@example.org' },
    });
  });
});
