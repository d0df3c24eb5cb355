/**
 * The template engine: only escaper calls may print, only known helpers and blocks may run, nothing is
 * silently empty (strict mode); every shipped template passes those checks; mdText never lands where its
 * backslash escapes would show literally; renderLayer applies the file-naming rules.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { finaliseAnswers } from '../../src/answers/resolve.js';
import { LAYER_IDS, defaultAnswers, type LayerName } from '../../src/answers/schema.js';
import { RenderError } from '../../src/errors.js';
import { buildContext } from '../../src/pipeline/context.js';
import { LAYERS } from '../../src/layers/registry.js';
import { compileTemplate } from '../../src/render/handlebars.js';
import { TEMPLATES_DIR, renderLayer } from '../../src/render/templates.js';
import { makeTempDir, removeDir } from '../support/cli.js';

/** The RenderError `fn` throws (fails the test when it throws nothing or something else). */
function renderError(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RenderError);
    return error as RenderError;
  }
  return expect.fail('expected a RenderError, but nothing was thrown');
}

const compile = (source: string, label = 'test.hbs') => compileTemplate(source, label);

describe('compileTemplate refuses what could print an unescaped value', () => {
  it('refuses a raw {{value}}, naming the template and the line', () => {
    const error = renderError(() => compile('line one\nline two\n  {{value}}\n', 'docs/x.md.hbs'));
    expect(error.message).toMatch(/^template docs\/x\.md\.hbs:3: \{\{value\}\} prints a value without an escaper/);
    expect(error.message).toContain('mdText');
  });

  it('refuses a raw path inside a block, with the line of the mustache', () => {
    expect(renderError(() => compile('{{#if ok}}\nfine\n{{name.first}}\n{{/if}}')).message).toMatch(/^template test\.hbs:3: \{\{name\.first\}\}/);
  });

  it('refuses {{{…}}}, with or without an escaper', () => {
    expect(renderError(() => compile('{{{x}}}')).message).toMatch(/^template test\.hbs:1: /);
    expect(renderError(() => compile('a\n{{{mdText x}}}')).message).toMatch(/^template test\.hbs:2: triple-stash/);
    expect(renderError(() => compile('{{&mdText x}}')).message).toMatch(/triple-stash/);
  });

  it('refuses an escaper with no value or two values', () => {
    expect(renderError(() => compile('{{mdText}}')).message).toMatch(/without an escaper/);
    expect(renderError(() => compile('{{mdText a b}}')).message).toMatch(/without an escaper/);
  });

  it('refuses a logic helper used to print', () => {
    expect(renderError(() => compile('{{eq a "b"}}')).message).toMatch(/^template test\.hbs:1: \{\{eq\}\} prints a value without an escaper/);
  });

  it('refuses partials, partial blocks and decorators', () => {
    expect(renderError(() => compile('x\n{{> p}}')).message).toMatch(/^template test\.hbs:2: PartialStatement is not allowed/);
    expect(renderError(() => compile('{{#> layout}}x{{/layout}}')).message).toMatch(/PartialBlockStatement is not allowed/);
    expect(renderError(() => compile('{{* decorator}}')).message).toMatch(/is not allowed/);
  });

  it('refuses an unknown block helper, and a block helper nested in an allowed one', () => {
    expect(renderError(() => compile('{{#raw}}x{{/raw}}')).message).toMatch(/^template test\.hbs:1: block \{\{#raw\}\} is not allowed/);
    expect(renderError(() => compile('{{#each xs}}\n{{#log this}}{{/log}}\n{{/each}}')).message).toMatch(/^template test\.hbs:2: block \{\{#log\}\}/);
    expect(renderError(() => compile('{{#if a}}{{else}}{{#lookup a}}{{/lookup}}{{/if}}')).message).toMatch(/block \{\{#lookup\}\}/);
  });

  it('refuses an unknown helper in a sub-expression', () => {
    expect(renderError(() => compile('{{#if (lookup a "b")}}x{{/if}}')).message).toMatch(/unknown helper "lookup" in a sub-expression/);
    expect(renderError(() => compile('{{#if (eq (lookup a "b") "c")}}x{{/if}}')).message).toMatch(/unknown helper "lookup"/);
    expect(renderError(() => compile('{{mdText (lookup a "b")}}')).message).toMatch(/unknown helper "lookup"/);
  });

  it('reports a syntax error as a RenderError naming the template', () => {
    expect(renderError(() => compile('{{#if a}}unclosed', 'broken.hbs')).message).toMatch(/^template broken\.hbs: /);
  });
});

describe('compileTemplate renders what it allows', () => {
  it('allows logic helpers in sub-expressions of if/unless', () => {
    const template = compile('{{#if (eq a "b")}}yes{{else}}no{{/if}}|{{#unless (or (not x) (includes list "k"))}}u{{/unless}}');
    expect(template({ a: 'b', x: true, list: ['j'] })).toBe('yes|u');
    expect(template({ a: 'c', x: true, list: ['k'] })).toBe('no|');
    expect(compile('{{#if (and a (ne b 1))}}y{{/if}}')({ a: 1, b: 2 })).toBe('y');
  });

  it('applies the escaper to the value', () => {
    expect(compile('SELECT {{sqlLiteral x}};')({ x: "'; DROP TABLE t; --" })).toBe("SELECT '''; DROP TABLE t; --';");
    expect(compile('k: {{yamlStr x}}')({ x: 'a"\nb' })).toBe('k: "a\\"\\nb"');
    expect(compile('{{mdText x}}')({ x: '<b>[x](y)' })).toBe('&lt;b&gt;\\[x\\]\\(y\\)');
    expect(compile('echo {{shellQuote x}}')({ x: "it's" })).toBe("echo 'it'\\''s'");
  });

  it('does not HTML-escape what the escaper returned', () => {
    expect(compile('{{jsStr x}}')({ x: 'a&"b' })).toBe('"a&\\"b"');
  });

  it('runs each, with @last and this, through the escapers', () => {
    const template = compile('{{#each items}}{{sqlLiteral this}}{{#unless @last}}, {{/unless}}{{/each}}');
    expect(template({ items: ["a'b", 'c', 'd\\e'] })).toBe("'a''b', 'c', E'd\\\\e'");
    expect(compile('{{#each rows}}|{{mdText name}}|{{/each}}')({ rows: [{ name: 'a|b' }, { name: '*' }] })).toBe('|a\\|b||\\*|');
    expect(compile('{{#with user}}{{ident id}}{{/with}}')({ user: { id: 'u1' } })).toBe('u1');
  });

  it('is strict: a missing variable is a RenderError, never an empty string', () => {
    const error = renderError(() => compile('x\n{{mdText missing}}', 'strict.hbs')({}));
    expect(error.message).toBe('template strict.hbs: "context.missing" is not defined');
    expect(() => compile('{{mdText missing}}')({ missing: 'here' })).not.toThrow();
    expect(() => compile('{{mdText a.b}}')({ a: {} })).toThrow(RenderError);
    expect(() => compile('{{#each xs}}{{mdText name}}{{/each}}')({ xs: [{}] })).toThrow(RenderError);
  });

  it('passes an escaper refusal on as a RenderError naming the template', () => {
    expect(renderError(() => compile('{{sqlLiteral x}}', 'db.sql.hbs')({ x: 'a\0b' })).message).toMatch(/^template db\.sql\.hbs: sqlLiteral/);
    expect(() => compile('{{mdText x}}')({ x: { toString: () => 'object' } })).toThrow(RenderError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The shipped templates
// ---------------------------------------------------------------------------------------------------------------

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
}

const ALL_TEMPLATE_FILES = walk(TEMPLATES_DIR).map((full) => path.relative(TEMPLATES_DIR, full).split(path.sep).join('/'));
const HBS_TEMPLATES = ALL_TEMPLATE_FILES.filter((file) => file.endsWith('.hbs'));
const readTemplate = (relative: string): string => readFileSync(path.join(TEMPLATES_DIR, relative), 'utf8');

/** Every subset of layers that includes docs. */
const OTHER_LAYERS = LAYER_IDS.filter((layer) => layer !== 'docs');
const DOCS_SUBSETS: LayerName[][] = Array.from({ length: 2 ** OTHER_LAYERS.length }, (_, mask) => [
  ...OTHER_LAYERS.filter((_, bit) => (mask & (1 << bit)) !== 0),
  'docs' as const,
]);

/**
 * Places in a Markdown template where mdText output would be shown literally (backslashes and entities and all):
 * inside a fenced code block, inside an inline code span, or right against a backtick.
 */
function mdTextInCode(source: string): string[] {
  const problems: string[] = [];
  let fence: string | undefined;
  source.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}`;
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) {
      if (/\{\{\s*mdText\b/.test(line)) problems.push(`${where}: mdText inside a fenced code block`);
      return;
    }
    if (/`\{\{\s*mdText\b/.test(line) || /\{\{\s*mdText\b[^}]*\}\}`/.test(line)) problems.push(`${where}: mdText right against a backtick`);
    for (const span of line.matchAll(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)) {
      if (/\{\{\s*mdText\b/.test(span[2]!)) problems.push(`${where}: mdText inside the code span ${span[0]}`);
    }
  });
  return problems;
}

describe('the templates under templates/', () => {
  it('include the base and docs layers', () => {
    expect(HBS_TEMPLATES).toContain('base/README.md.hbs');
    expect(HBS_TEMPLATES).toContain('docs/docs/security/THREAT_MODEL.md.hbs');
    expect(HBS_TEMPLATES.length).toBeGreaterThanOrEqual(6);
  });

  it.each(HBS_TEMPLATES)('%s compiles and passes the checks', (relative) => {
    expect(() => compileTemplate(readTemplate(relative), relative)).not.toThrow();
  });

  it.each(HBS_TEMPLATES.filter((file) => /\.md\.hbs$/.test(file)))('%s never puts mdText in a code span or block', (relative) => {
    expect(mdTextInCode(readTemplate(relative))).toEqual([]);
  });

  it('no template writes {{mdText …}} right against a backtick', () => {
    for (const relative of HBS_TEMPLATES) {
      const source = readTemplate(relative);
      expect(source, relative).not.toMatch(/`\{\{~?\s*mdText\b/);
      expect(source, relative).not.toMatch(/\{\{~?\s*mdText\b[^}]*~?\}\}`/);
    }
  });

  it('read only variables that exist, whatever the answers (a typo in {{#if has.x}} would silently be false)', () => {
    // Handlebars' strict mode only guards printed paths; the renderer reads the context through strictView, so
    // `{{#if}}` / `{{#each}}` parameters and sub-expression arguments of a missing path fail too.
    let renders = 0;
    for (const layers of DOCS_SUBSETS) {
      for (const multiTenant of [true, false]) {
        for (const cloud of ['none', 'aws'] as const) {
          const base = buildContext(finaliseAnswers({ ...defaultAnswers('demo'), layers, multiTenant, cloud }), '2026-11-27');
          const label = `[${layers.join(', ')}] multiTenant=${multiTenant} cloud=${cloud}`;
          expect(() => renderLayer('base', base), label).not.toThrow();
          expect(() => renderLayer('docs', { ...base, ...LAYERS.docs.context!(base) }), label).not.toThrow();
          renders++;
        }
      }
    }
    expect(renders).toBe(128);
    expect(() => compileTemplate('{{#if has.dcos}}x{{/if}}', 'typo.hbs')({ has: { docs: true } })).toThrow(
      'template typo.hbs: "context.has.dcos" is not defined',
    );
    expect(() => compileTemplate('{{#each (or missing.list)}}x{{/each}}', 'sub.hbs')({})).toThrow('"context.missing" is not defined');
  });

  it('the code-span detector finds mdText in spans, blocks and against backticks', () => {
    expect(mdTextInCode('a `{{mdText x}}` b')).toHaveLength(2);
    expect(mdTextInCode('a `` x {{mdText y}} `` b')).toEqual(['line 1: mdText inside the code span `` x {{mdText y}} ``']);
    expect(mdTextInCode('```\n{{mdText x}}\n```\n{{mdText y}}')).toEqual(['line 2: mdText inside a fenced code block']);
    expect(mdTextInCode('`code` then {{mdText x}} then `more`')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// renderLayer and the file-naming rules
// ---------------------------------------------------------------------------------------------------------------

describe('renderLayer', () => {
  const context = buildContext(finaliseAnswers({ ...defaultAnswers('demo'), layers: ['api', 'docs'] }), '2026-11-27');

  it('maps dot_ to a leading dot, copies plain files byte for byte and renders .hbs (base layer)', () => {
    const files = renderLayer('base', context);
    // .secure-stack/generators/ holds the `gen` generators, copied as they are (test/gen checks them).
    expect(files.map((file) => file.path).filter((file) => !file.startsWith('.secure-stack/generators/')).sort()).toEqual(['.editorconfig', '.gitignore', 'README.md', 'plopfile.mjs']);
    const byPath = new Map(files.map((file) => [file.path, file]));
    const gitignore = byPath.get('.gitignore')!;
    expect(gitignore.template).toBe('base/dot_gitignore');
    expect(Buffer.compare(gitignore.content, readFileSync(path.join(TEMPLATES_DIR, 'base/dot_gitignore')))).toBe(0);
    expect(byPath.get('.editorconfig')!.template).toBe('base/dot_editorconfig');
    const readme = byPath.get('README.md')!;
    expect(readme.template).toBe('base/README.md.hbs');
    const text = readme.content.toString('utf8');
    expect(text).toMatch(/^# Demo\n/);
    expect(text).not.toContain('{{');
    expect(text).toContain('audience demo\\-api.');
    for (const file of files) expect(file.executable, file.path).toBe(false);
  });

  it('maps dot_ in a directory segment too, and strips .hbs (docs layer)', () => {
    const files = renderLayer('docs', { ...context, ...LAYERS.docs.context!(context) });
    expect(files.map((file) => [file.template, file.path]).sort()).toEqual(
      [
        ['docs/SECURITY.md.hbs', 'SECURITY.md'],
        ['docs/docs/security/INCIDENT_RUNBOOK.md.hbs', 'docs/security/INCIDENT_RUNBOOK.md'],
        ['docs/docs/security/SECRETS.md.hbs', 'docs/security/SECRETS.md'],
        ['docs/docs/security/THREAT_MODEL.md.hbs', 'docs/security/THREAT_MODEL.md'],
        ['docs/docs/security/release-checklist.md.hbs', 'docs/security/release-checklist.md'],
        ['docs/dot_well-known/security.txt.hbs', '.well-known/security.txt'],
      ].sort(),
    );
  });

  it('fails with a RenderError naming the template when the context lacks a variable', () => {
    const { oidcAudience, ...answers } = context.answers;
    expect(oidcAudience).toBe('demo-api');
    const error = renderError(() => renderLayer('base', { ...context, answers }));
    expect(error.message).toBe('template base/README.md.hbs: "context.answers.oidcAudience" is not defined');
    // The docs templates need the docs layer's own context (diagram, secrets…): strict mode says so.
    expect(renderError(() => renderLayer('docs', context)).message).toMatch(/^template docs\//);
  });
});

describe('renderLayer naming rules on fixture layers (package root swapped for a temporary one)', () => {
  let root: string;
  const fixture = (relative: string, content: string, mode = 0o644): void => {
    const full = path.join(root, 'templates', relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
    chmodSync(full, mode);
  };

  beforeAll(() => {
    root = makeTempDir('secure-stack-templates-');
    fixture('fx/executable_run.sh', '#!/bin/sh\necho {{not rendered}}\n');
    fixture('fx/dot_config/executable_dot_hook.hbs', 'name={{shellQuote names.project}}\n');
    fixture('fx/{{ident names.python}}/__init__.py.hbs', '__title__ = {{pyStr names.title}}\n');
    fixture('fx/executable_dir/plain.txt', 'plain\n');
    fixture('fx/kept-mode.sh', '#!/bin/sh\n', 0o755);
    fixture('slash/{{lineValue answers.oidcIssuer}}.txt', 'x\n');
    fixture('dots/{{lineValue dots}}/x.txt', 'x\n');
    fixture('raw/{{names.python}}.txt', 'x\n');
  });
  afterAll(() => removeDir(root));

  /** templates.js (and errors.js) loaded afresh, with PACKAGE_ROOT pointing at the fixture. */
  async function fixtureModules() {
    vi.resetModules();
    vi.doMock('../../src/package-root.js', () => ({ PACKAGE_ROOT: root, TOOL_NAME: 'create-secure-stack', TOOL_VERSION: '0.0.0-test' }));
    try {
      const templates = await import('../../src/render/templates.js');
      const errors = await import('../../src/errors.js');
      return { templates, errors };
    } finally {
      vi.doUnmock('../../src/package-root.js');
    }
  }

  const fixtureContext = () => buildContext(finaliseAnswers({ ...defaultAnswers('demo-app'), layers: ['docs'] }), '2026-11-27');

  it('applies dot_, executable_, .hbs and {{…}} file names, and keeps the executable bit of the template', async () => {
    const { templates } = await fixtureModules();
    expect(templates.TEMPLATES_DIR).toBe(path.join(root, 'templates'));
    const files = templates.renderLayer('fx', fixtureContext());
    expect(files.map((file) => [file.path, file.executable, file.content.toString('utf8')]).sort()).toEqual([
      ['.config/.hook', true, "name='demo-app'\n"],
      ['demo_app/__init__.py', false, '__title__ = "Demo App"\n'],
      ['executable_dir/plain.txt', false, 'plain\n'],
      ['kept-mode.sh', true, '#!/bin/sh\n'],
      ['run.sh', true, '#!/bin/sh\necho {{not rendered}}\n'],
    ]);
  });

  it('refuses a file name that renders to an unsafe segment, or prints a raw value', async () => {
    const { templates, errors } = await fixtureModules();
    const thrown = (layer: string, context: object): unknown => {
      try {
        templates.renderLayer(layer, context);
      } catch (error) {
        return error;
      }
      return expect.fail(`rendering ${layer} did not throw`);
    };
    // An answer with a slash (the issuer URL) cannot become a path, nor can a value of "..".
    const slash = thrown('slash', fixtureContext());
    expect(slash).toBeInstanceOf(errors.RenderError);
    expect((slash as Error).message).toBe(
      'template slash/{{lineValue answers.oidcIssuer}}.txt: file name rendered to an unsafe segment "https://idp.example.com/.txt"',
    );
    const dots = thrown('dots', { ...fixtureContext(), dots: '..' });
    expect(dots).toBeInstanceOf(errors.RenderError);
    expect((dots as Error).message).toMatch(/: file name rendered to an unsafe segment "\.\."$/);
    expect(() => templates.renderLayer('raw', fixtureContext())).toThrow(/^template raw\/\{\{names\.python\}\}\.txt \(file name\):1: \{\{names\.python\}\} prints a value without an escaper/);
  });
});
