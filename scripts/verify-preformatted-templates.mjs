#!/usr/bin/env node
/**
 * Decides which templates render already in prettier's format, so that `new`, `diff` and `upgrade` can skip
 * prettier for their outputs (prettier is most of the time `new` takes). For every answer set of
 * scripts/preformat-answer-sets.json it renders the project without formatting and formats each file prettier
 * owns; a template is vouched for when every output of it, in every set that renders it, is unchanged by
 * prettier. Writes templates/preformatted.json (template → sha256 of the template), which the renderer trusts
 * only while the template's bytes still have that hash. test/render/preformatted.test.ts checks the result.
 *
 *   npm run build && node scripts/verify-preformatted-templates.mjs [--check]
 *
 * --check: write nothing; exit 1 when the file on disk differs from what this run would write.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { answerSetRenderInputs, writeOrCheck } from './answer-sets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

const { renderProject } = await import(path.join(ROOT, 'dist/pipeline/generate.js'));
const { isFormatted } = await import(path.join(ROOT, 'dist/format/format.js'));
const { alignMarkdownTables } = await import(path.join(ROOT, 'dist/format/markdown-tables.js'));
const { PREFORMATTED_FILE, TEMPLATES_DIR } = await import(path.join(ROOT, 'dist/render/templates.js'));
const { LAYER_IDS } = await import(path.join(ROOT, 'dist/answers/schema.js'));
const prettier = await import('prettier');

const verdicts = new Map(); // template → { sha256, formatted }
for (const { input } of answerSetRenderInputs(ROOT, LAYER_IDS)) {
  const project = await renderProject(input, 'none');
  for (const file of project.files) {
    if (!isFormatted(file.path)) continue;
    const text = file.content.toString('utf8');
    const formatted = await prettier.format(text, { filepath: file.path });
    const previous = verdicts.get(file.template) ?? { sha256: file.templateSha256, asIs: true, tablesAligned: file.path.endsWith('.md') };
    verdicts.set(file.template, {
      sha256: file.templateSha256,
      asIs: previous.asIs && formatted === text,
      tablesAligned: previous.tablesAligned && alignMarkdownTables(text) === formatted,
    });
  }
}

const sortedPaths = (predicate) =>
  [...verdicts].filter(([, verdict]) => predicate(verdict)).map(([template]) => template).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const asIs = sortedPaths((verdict) => verdict.asIs);
const tablesAligned = sortedPaths((verdict) => !verdict.asIs && verdict.tablesAligned);
const text = `${JSON.stringify(
  {
    why: 'Written by scripts/verify-preformatted-templates.mjs for every answer set of scripts/preformat-answer-sets.json: "templates" render exactly as prettier prints them, "tablesAligned" do once alignMarkdownTables() has padded their tables. The renderer skips prettier for them while the template still has this sha256.',
    prettier: prettier.version,
    templates: Object.fromEntries(asIs.map((template) => [template, verdicts.get(template).sha256])),
    tablesAligned: Object.fromEntries(tablesAligned.map((template) => [template, verdicts.get(template).sha256])),
  },
  null,
  2,
)}\n`;
const target = path.join(TEMPLATES_DIR, PREFORMATTED_FILE);
const notVouched = sortedPaths((verdict) => !verdict.asIs && !verdict.tablesAligned);
console.log(`${asIs.length} templates render already formatted, ${tablesAligned.length} once their tables are aligned; prettier still formats the output of ${notVouched.length}:`);
for (const template of notVouched) console.log(`  ${template}`);
writeOrCheck(target, text, { check: values.check, root: ROOT, script: 'scripts/verify-preformatted-templates.mjs' });
