/**
 * The shipped caches in templates/ (precompiled.mjs, preformatted.json) are only a speed-up: a stale entry is
 * ignored, never trusted. Still, a template edited without refreshing them silently makes `new` slow again,
 * so CI fails until both scripts have been re-run (npm run build first: they read dist/).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

describe.each([
  ['templates/precompiled.mjs', 'scripts/precompile-templates.mjs'],
  ['templates/preformatted.json', 'scripts/verify-preformatted-templates.mjs'],
])('%s', (cache, script) => {
  it(`is what ${script} writes for the templates as they are`, () => {
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, script), '--check'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.status, `${cache} is stale: run \`npm run build && node ${script}\`\n${run.stdout}${run.stderr}`).toBe(0);
  }, 60_000);
});
