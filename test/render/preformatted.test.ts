/**
 * Skipping prettier never changes a byte: the project rendered the fast way (outputs of vouched templates not
 * formatted again, their Markdown tables aligned by alignMarkdownTables) equals the project with prettier run
 * over every file it owns, for every answer set of scripts/preformat-answer-sets.json. alignMarkdownTables
 * prints tables as prettier does, or declines.
 */
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { LAYER_IDS } from '../../src/answers/schema.js';
import { isFormatted } from '../../src/format/format.js';
import { ONE_COLUMN_CHARACTERS, alignMarkdownTables } from '../../src/format/markdown-tables.js';
import { renderProject, type RenderedProject } from '../../src/pipeline/generate.js';
import { preformattedTemplates } from '../../src/render/templates.js';
import { answerSetRenderInputs } from '../../scripts/answer-sets.mjs';
import { REPO_ROOT } from '../support/cli.js';

function filesOf(project: RenderedProject): Record<string, string> {
  return Object.fromEntries(project.files.map((file) => [file.path, file.content.toString('utf8')]));
}

describe('rendering without prettier where the templates are already formatted', () => {
  for (const { name, input } of answerSetRenderInputs(REPO_ROOT, LAYER_IDS)) {
    it(`is byte-identical to prettier over every file: ${name}`, async () => {
      const fast = await renderProject(input);
      const reference = await renderProject(input, 'all');
      expect(fast.files.map((file) => file.path)).toEqual(reference.files.map((file) => file.path));
      const fastFiles = filesOf(fast);
      const referenceFiles = filesOf(reference);
      for (const filePath of Object.keys(referenceFiles)) expect(fastFiles[filePath], filePath).toBe(referenceFiles[filePath]);
      expect(fast.manifest).toEqual(reference.manifest);
    }, 60_000);
  }

  it('takes the fast path for most formatted files of the full stack (the list in templates/ is not stale)', async () => {
    const project = await renderProject(answerSetRenderInputs(REPO_ROOT, LAYER_IDS)[0]!.input, 'none');
    const { asIs, tablesAligned } = preformattedTemplates();
    const owned = project.files.filter((file) => isFormatted(file.path));
    const vouched = owned.filter(
      (file) => asIs.get(file.template) === file.templateSha256 || tablesAligned.get(file.template) === file.templateSha256,
    );
    expect(owned.length).toBeGreaterThan(40);
    expect(vouched.length / owned.length).toBeGreaterThan(0.8);
  });
});

describe('alignMarkdownTables', () => {
  const prettierMarkdown = (text: string): Promise<string> => prettier.format(text, { filepath: 'README.md' });

  const agreeing = {
    'plain table': '# T\n\n| a | bb |\n| --- | --- |\n| long cell | x |\n\nAfter.\n',
    'alignments': '| left | center | right | none |\n| :--- | :---: | ---: | --- |\n| 1 | 22 | 333 | 4444 |\n| a much longer cell | b | c | d |\n',
    'escaped pipes and code': '| a | b |\n|---|---|\n| `x \\| y` | \\|z\\| |\n| my\\-app\\_\\* | &lt;b&gt; |\n',
    'empty cells and no rows': '| File | What |\n| ---- | ---- |\n\n| a | b |\n|---|---|\n|  | x |\n',
    'short columns get width 3': '| a | b |\n|-|-|\n| c | d |\n',
    'two tables and text': 'Intro.\n\n| a | b |\n|-|-|\n| 1 | 2 |\n\nMiddle.\n\n| c |\n|-|\n| 333333 |\n',
    'table-like lines in a code fence are left alone': '```sh\n| a | b |\n|-|-|\n| 1 | 2 |\n```\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n',
    'one-column characters': `| a | b |\n|---|---|\n| ${[...ONE_COLUMN_CHARACTERS].join(' ')} | x |\n| y | ${ONE_COLUMN_CHARACTERS} |\n`,
  };
  for (const [label, text] of Object.entries(agreeing)) {
    it(`prints as prettier does: ${label}`, async () => {
      const formatted = await prettierMarkdown(text);
      expect(alignMarkdownTables(text)).toBe(formatted);
      expect(alignMarkdownTables(formatted)).toBe(formatted);
    });
  }

  it('each one-column character is one column for prettier', async () => {
    for (const character of ONE_COLUMN_CHARACTERS) {
      const text = `| a | b |\n|---|---|\n| ${character.repeat(5)} | x |\n`;
      expect(alignMarkdownTables(text), character).toBe(await prettierMarkdown(text));
    }
  });

  it('declines what prettier would measure or parse otherwise', () => {
    expect(alignMarkdownTables('| a | b |\n|---|---|\n| 中文 | x |\n')).toBeUndefined(); // wide characters
    expect(alignMarkdownTables('| a | b |\n|---|---|\n| 🔒 | x |\n')).toBeUndefined(); // emoji
    expect(alignMarkdownTables('| a | b |\n|---|---|\n| 1 | 2 | 3 |\n')).toBeUndefined(); // ragged row
    expect(alignMarkdownTables('| a | b |\n|---|---|\n| 1 | 2 |\ntext right below\n')).toBeUndefined(); // GFM: one more row
    expect(alignMarkdownTables('- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n')).toBeUndefined(); // indented table
    expect(alignMarkdownTables('```\n| a |\n|---|\n')).toBeUndefined(); // unclosed fence
    expect(alignMarkdownTables('```md\n| a |\n|---|\n```\n')).toBeUndefined(); // prettier formats Markdown, YAML, JSON… fences
  });

  it('leaves a file without tables as it is', () => {
    const text = '# Title\n\nA | in text, and a line | like this.\n';
    expect(alignMarkdownTables(text)).toBe(text);
  });
});
