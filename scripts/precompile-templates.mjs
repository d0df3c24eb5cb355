#!/usr/bin/env node
/**
 * Compiles every Handlebars template under templates/ ahead of time into templates/precompiled.mjs, so that
 * `new`, `diff` and `upgrade` run the templates without loading the Handlebars compiler (parsing and code
 * generation were most of what `new` spent rendering), resolves the action pins of data/actions-pins.yaml and reads the
 * built-in presets. Each template goes through the same parse, the same
 * escaper checks and the same options as at run time (precompileTemplate); the renderer uses a spec only while
 * the template's source still has the recorded sha256, and compiles the template otherwise.
 * test/render/precompiled.test.ts checks that both ways render the same bytes.
 *
 *   npm run build && node scripts/precompile-templates.mjs [--check]
 *
 * --check: write nothing; exit 1 when the file on disk differs from what this run would write.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeOrCheck } from './answer-sets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const { compilerRevision, precompileTemplate } = await import(path.join(ROOT, 'dist/render/handlebars.js'));
const { PRECOMPILED_FILE, TEMPLATES_DIR } = await import(path.join(ROOT, 'dist/render/templates.js'));
const { PINS_FILE, parsePins, resolvePins } = await import(path.join(ROOT, 'dist/layers/ci/pins.js'));
const { BUILTIN_PRESETS_DIR, parsePresetFile } = await import(path.join(ROOT, 'dist/presets/presets.js'));

const templates = readdirSync(TEMPLATES_DIR, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.hbs'))
  .map((entry) => path.relative(TEMPLATES_DIR, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
  .sort();

const entries = templates.map((template) => {
  const source = readFileSync(path.join(TEMPLATES_DIR, template), 'utf8');
  const sha256 = createHash('sha256').update(source, 'utf8').digest('hex');
  return `  ${JSON.stringify(template)}: {\n    sha256: ${JSON.stringify(sha256)},\n    spec: ${precompileTemplate(source, template)},\n  },\n`;
});
// The workflows' action pins, resolved and validated from data/actions-pins.yaml as the ci layer does it.
const pinsRaw = readFileSync(path.join(ROOT, PINS_FILE));
const actionPins = { sha256: createHash('sha256').update(pinsRaw).digest('hex'), resolved: resolvePins(parsePins(pinsRaw.toString('utf8'))) };
// The built-in presets, read and validated as resolvePreset reads them.
const builtinPresets = Object.fromEntries(
  readdirSync(BUILTIN_PRESETS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const text = readFileSync(path.join(BUILTIN_PRESETS_DIR, name), 'utf8');
      const data = parsePresetFile(text, path.join(BUILTIN_PRESETS_DIR, name));
      return [name.slice(0, -'.yaml'.length), { sha256: createHash('sha256').update(text, 'utf8').digest('hex'), data }];
    }),
);

const text = `// Written by scripts/precompile-templates.mjs: Handlebars template specs of every .hbs template, used while the
// template's source still has this sha256, the action pins resolved from ${PINS_FILE} and the built-in presets
// read from presets/, each used while its file still has this sha256. Do not edit; run the script again after
// changing a template, the pins or a built-in preset.
export const compilerRevision = ${JSON.stringify(compilerRevision())};
export const actionPins = ${JSON.stringify(actionPins)};
export const builtinPresets = ${JSON.stringify(builtinPresets)};
export const templates = {
${entries.join('')}};
`;
const target = path.join(TEMPLATES_DIR, PRECOMPILED_FILE);
console.log(`${templates.length} templates precompiled`);
writeOrCheck(target, text, { check: values.check, root: ROOT, script: 'scripts/precompile-templates.mjs' });
