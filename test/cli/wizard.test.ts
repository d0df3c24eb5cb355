import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runWizard } from '../../src/cli/wizard.js';
import { CancelledError } from '../../src/errors.js';
import { parseManifest } from '../../src/manifest/manifest.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { capturedIO, FakeTerminal, KEYS } from '../support/streams.js';

let cwd: string;
beforeEach(() => {
  cwd = makeTempDir();
});
afterEach(() => removeDir(cwd));

const DEFAULTS = {
  layers: ['api', 'web', 'db', 'containers', 'ci', 'docs'] as const,
  multiTenant: true,
  cloud: 'none' as const,
  oidcIssuer: 'https://idp.example.com/',
  securityContact: 'mailto:security@example.com',
};

describe('wizard through streams', () => {
  it('asks every open question with defaults preselected and returns the answers', async () => {
    const terminal = new FakeTerminal();
    const result = runWizard({
      values: { ...DEFAULTS, layers: [...DEFAULTS.layers] },
      fixed: new Set(),
      install: undefined,
      streams: terminal,
    });
    await terminal.answer('Project name', 'shop-api' + KEYS.enter);
    // Layers: untick the first (api) with space, keep the rest.
    await terminal.answer('Layers to generate', KEYS.space + KEYS.enter);
    await terminal.answer('Multi-tenant', KEYS.enter);
    await terminal.answer('Cloud for OIDC deploys', KEYS.down + KEYS.enter);
    await terminal.answer('OIDC issuer URL', KEYS.enter);
    await terminal.answer('OIDC audience', KEYS.enter);
    await terminal.answer('Security contact', KEYS.enter);
    await terminal.answer('Install dependencies', KEYS.enter);
    const { answers, install } = await result;
    expect(answers).toMatchObject({
      projectName: 'shop-api',
      layers: ['web', 'db', 'containers', 'ci', 'docs'],
      multiTenant: true,
      cloud: 'aws',
      oidcIssuer: 'https://idp.example.com/',
      oidcAudience: 'shop-api-api',
    });
    expect(install).toBe(false);
  });

  it('does not ask locked or explicitly given answers', async () => {
    const terminal = new FakeTerminal();
    const result = runWizard({
      values: { ...DEFAULTS, layers: [...DEFAULTS.layers], projectName: 'given' },
      fixed: new Set(['layers', 'multiTenant', 'cloud', 'oidcIssuer', 'oidcAudience']),
      install: false,
      streams: terminal,
    });
    await terminal.answer('Security contact', KEYS.enter);
    await result;
    expect(terminal.transcript).toContain('Security contact');
    expect(terminal.transcript).not.toContain('Layers to generate');
    expect(terminal.transcript).not.toContain('Install dependencies');
  });

  it('refuses a hostile project name at the prompt and asks again', async () => {
    const terminal = new FakeTerminal();
    const result = runWizard({ values: { ...DEFAULTS, layers: [...DEFAULTS.layers] }, fixed: new Set(['layers', 'multiTenant', 'cloud', 'oidcIssuer', 'oidcAudience', 'securityContact']), install: false, streams: terminal });
    await terminal.answer('Project name', '../etc' + KEYS.enter);
    await terminal.answer('path separator', '\u007f'.repeat(6) + 'safe-name' + KEYS.enter);
    expect((await result).answers.projectName).toBe('safe-name');
  });

  it('cancelling at any prompt throws CancelledError', async () => {
    const terminal = new FakeTerminal();
    const result = runWizard({ values: { ...DEFAULTS, layers: [...DEFAULTS.layers] }, fixed: new Set(), install: undefined, streams: terminal });
    const settled = result.catch((error: unknown) => error);
    await terminal.answer('Project name', 'abc' + KEYS.enter);
    await terminal.answer('Layers to generate', KEYS.ctrlC);
    expect(await settled).toBeInstanceOf(CancelledError);
  });
});

describe('new, interactively', () => {
  it('writes the project and prints the equivalent non-interactive command', async () => {
    const terminal = new FakeTerminal();
    const cli = capturedIO(cwd);
    const run = main(['new', 'wizard-app', '--no-git'], cli, { wizardStreams: terminal });
    await terminal.answer('Layers to generate', KEYS.enter);
    await terminal.answer('Multi-tenant', KEYS.enter);
    await terminal.answer('Cloud for OIDC deploys', KEYS.enter);
    await terminal.answer('OIDC issuer URL', KEYS.enter);
    await terminal.answer('OIDC audience', KEYS.enter);
    await terminal.answer('Security contact', '\u007f'.repeat(40) + 'sec@wizard.example' + KEYS.enter);
    await terminal.answer('Install dependencies', KEYS.enter);
    expect(await run).toBe(0);
    const manifest = parseManifest(readFileSync(path.join(cwd, 'wizard-app/.secure-stack.yaml'), 'utf8'));
    expect(manifest.answers.securityContact).toBe('mailto:sec@wizard.example');
    expect(cli.stdout.text).toContain('Same project without questions:');
    expect(cli.stdout.text).toContain(
      "npm create secure-stack@latest wizard-app -- --yes --preset 'default' --layers api,web,db,containers,ci,docs --cloud none --multi-tenant --oidc-issuer 'https://idp.example.com/' --oidc-audience 'wizard-app-api' --security-contact 'mailto:sec@wizard.example' --no-install",
    );
  });

  it('cancel exits 130 and writes nothing', async () => {
    const terminal = new FakeTerminal();
    const cli = capturedIO(cwd);
    const run = main(['new', 'cancelled-app', '--no-git'], cli, { wizardStreams: terminal });
    await terminal.answer('Layers to generate', KEYS.enter);
    await terminal.answer('Multi-tenant', KEYS.ctrlC);
    expect(await run).toBe(130);
    expect(existsSync(path.join(cwd, 'cancelled-app'))).toBe(false);
  });
});
