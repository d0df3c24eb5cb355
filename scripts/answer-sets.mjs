/**
 * What the template-cache scripts and their tests share: the render inputs of every answer set of
 * scripts/preformat-answer-sets.json, and writing a cache file (or, with --check, only comparing it). Plain
 * JavaScript without imports from src/, so that the scripts (which run the built dist/) and the tests (which run
 * src/ through vitest) read the answer sets in one way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One render input per answer set, named by the set; a set with `eachLayerAlone` renders once per layer of
 * `layerIds` (the caller passes LAYER_IDS from its own build of the answers schema).
 */
export function answerSetRenderInputs(root, layerIds) {
  const { sets } = JSON.parse(readFileSync(path.join(root, 'scripts/preformat-answer-sets.json'), 'utf8'));
  return Object.entries(sets).flatMap(([name, set]) => {
    const input = (answers) => ({
      answers,
      presets: [{ name: 'default', builtin: true }],
      generatedOn: set.generatedOn,
      ...(set.baseImageDigests ? { baseImageDigests: set.baseImageDigests } : {}),
    });
    if (!set.eachLayerAlone) return [{ name, input: input(set.answers) }];
    return layerIds.map((layer) => ({ name: `${name}:${layer}`, input: input({ ...set.answers, layers: [layer] }) }));
  });
}

/**
 * Writes `text` to `target`, or with `check` writes nothing and sets exit status 1 when the file on disk differs
 * (a missing file differs), naming `script` as the way to bring it up to date.
 */
export function writeOrCheck(target, text, { check, root, script }) {
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing: differs
    }
    if (current !== text) {
      console.error(`${path.relative(root, target)} is out of date: run node ${script}`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(target, text);
    console.log(`written: ${path.relative(root, target)}`);
  }
}
