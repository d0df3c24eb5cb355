import { describe, expect, it } from 'vitest';
import { deriveNames, projectNameProblem } from '../../src/answers/names.js';
import { UsageError } from '../../src/errors.js';

describe('project names', () => {
  it('derives a safe form for every context', () => {
    expect(deriveNames('my-app')).toEqual({
      project: 'my-app',
      npm: 'my-app',
      python: 'my_app',
      docker: 'my-app',
      dbPrefix: 'my_app',
      title: 'My App',
    });
    expect(deriveNames('billing_v2').docker).toBe('billing-v2');
  });

  it.each([
    ['../evil', /path separator/],
    ['a/b', /path separator/],
    ['a\\b', /path separator/],
    ['..', /"\.\."/],
    ['a..b', /"\.\."/],
    ['app\n', /control character/],
    ['app\u0000', /control character/],
    ['app\u2028x', /control character/],
    ["o'brien", /quote/],
    ['say"hi', /quote/],
    ['x`id`', /quote/],
    ['$(reboot)', /metacharacter/],
    ['a;b', /metacharacter/],
    ['a|b', /metacharacter/],
    ['a b', /metacharacter/],
    ["x'; DROP TABLE users; --", /quote/],
    ['My-App', /uppercase/],
    ['1app', /start with a lowercase letter/],
    ['-app', /start with a lowercase letter/],
    ['app-', /single "-"/],
    ['a--b', /single "-"/],
    ['a.b', /single "-"/],
    ['é', /non-ASCII/],
    ['a'.repeat(41), /longer than 40/],
    ['class', /Python keyword/],
    ['pg-stuff', /pg_/],
    ['node_modules', /reserved/],
    ['', /empty/],
  ])('refuses %j', (name, reason) => {
    expect(projectNameProblem(name)).toMatch(reason);
    expect(() => deriveNames(name)).toThrow(UsageError);
  });

  it('keeps every derived role name within PostgreSQL\'s 63-byte limit', () => {
    const longest = deriveNames('a'.repeat(40));
    expect(`${longest.dbPrefix}_migrator`.length).toBeLessThanOrEqual(63);
  });
});

describe('URL answers', () => {
  it.each([
    'https://idp.example.com/\nContact: mailto:evil@example.com',
    'https://idp.example.com/ a',
    'https://idp.example.com/<script>',
    'https://idp.example.com/"x',
    'https://idp.example.com/{x}',
    'https://idp.example.com/\tx',
  ])('an issuer the URL parser would silently repair is refused: %j', async (value) => {
    const { issuerProblem, securityContactProblem } = await import('../../src/answers/schema.js');
    expect(issuerProblem(value)).toBeDefined();
    expect(securityContactProblem(value)).toBeDefined();
  });
});
