/** The structural editors of `secure-stack add`: insert-only, minimal, every user line kept. */
import ignore from 'ignore';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { editCompose } from '../../src/lifecycle/edits/compose.js';
import { editIgnoreFile } from '../../src/lifecycle/edits/ignore-file.js';
import { editNextConfig } from '../../src/lifecycle/edits/next-config.js';
import { editPackageJson } from '../../src/lifecycle/edits/package-json.js';
import { linesPreservedInOrder, type EditResult } from '../../src/lifecycle/edits/text.js';
import { editWorkflow } from '../../src/lifecycle/edits/workflow.js';

function edited(result: EditResult): string {
  if (result.kind !== 'edited') throw new Error(`expected an edit, got ${JSON.stringify(result)}`);
  return result.text;
}

/** The lines an edit added, in order (the original's lines removed once each, in order). */
function addedLines(before: string, after: string): string[] {
  const original = before.split('\n');
  const added: string[] = [];
  let index = 0;
  for (const line of after.split('\n')) {
    if (index < original.length && original[index] === line) index += 1;
    else added.push(line);
  }
  expect(index).toBe(original.length);
  return added;
}

describe('package.json', () => {
  const pkg = `{
  "name": "site",
  "scripts": {
    "dev": "next dev"
  },
  "dependencies": {
    "next": "15.1.3",
    "react": "^19.0.0",
    "zod": "^3.0.0"
  }
}
`;

  it('inserts a missing dependency at its sorted place and keeps every other line', () => {
    const text = edited(editPackageJson(pkg, { dependencies: { 'server-only': '^0.0.1' } }));
    expect(addedLines(pkg, text)).toEqual(['    "server-only": "^0.0.1",']);
    expect(Object.keys(JSON.parse(text).dependencies)).toEqual(['next', 'react', 'server-only', 'zod']);
  });

  it('never appends after the last member (that line would gain a comma): a key sorting last goes before it', () => {
    const text = edited(editPackageJson(pkg, { dependencies: { zzz: '1.0.0' }, scripts: { typecheck: 'tsc --noEmit' } }));
    expect(linesPreservedInOrder(pkg, text)).toBe(true);
    expect(JSON.parse(text).dependencies.zzz).toBe('1.0.0');
    expect(JSON.parse(text).scripts).toEqual({ dev: 'next dev', typecheck: 'tsc --noEmit' });
  });

  it('keeps a version the user chose and adds a missing section before the last top-level member', () => {
    expect(editPackageJson(pkg, { dependencies: { next: '^16.0.0' } })).toEqual({ kind: 'unchanged', notes: [] });
    const text = edited(editPackageJson(pkg, { devDependencies: { typescript: '~5.9.3' } }));
    expect(linesPreservedInOrder(pkg, text)).toBe(true);
    expect(JSON.parse(text).devDependencies).toEqual({ typescript: '~5.9.3' });
    expect(JSON.parse(text).dependencies.next).toBe('15.1.3');
  });

  it('follows the file: tabs, CRLF, unsorted sections', () => {
    const tabs = '{\r\n\t"name": "x",\r\n\t"dependencies": {\r\n\t\t"zod": "^3.0.0",\r\n\t\t"next": "15.0.0"\r\n\t}\r\n}\r\n';
    const text = edited(editPackageJson(tabs, { dependencies: { 'server-only': '^0.0.1' } }));
    expect(text).toBe('{\r\n\t"name": "x",\r\n\t"dependencies": {\r\n\t\t"zod": "^3.0.0",\r\n\t\t"server-only": "^0.0.1",\r\n\t\t"next": "15.0.0"\r\n\t}\r\n}\r\n');
  });

  it('refuses what it cannot edit without rewriting a line', () => {
    expect(editPackageJson('{"name":"x","dependencies":{"a":"1"}}', { dependencies: { b: '1' } }).kind).toBe('unsafe');
    expect(editPackageJson('{\n  "dependencies": { "a": "1" }\n}\n', { dependencies: { b: '1' } }).kind).toBe('unsafe');
    expect(editPackageJson('{ not json', { dependencies: { b: '1' } }).kind).toBe('unsafe');
    expect(editPackageJson('[1]', { dependencies: { b: '1' } }).kind).toBe('unsafe');
  });
});

describe('ignore files', () => {
  const template = '# secrets\n.env\n.env.*\n!.env.example\n*.pem\nnode_modules/\n';

  it('appends only the missing patterns under one comment, and a second run adds nothing', () => {
    const before = 'node_modules\n*.log\n';
    const text = edited(editIgnoreFile({ text: before, template }));
    expect(text).toBe('node_modules\n*.log\n\n# added by secure-stack add\n.env\n.env.*\n!.env.example\n*.pem\n');
    expect(editIgnoreFile({ text, template }).kind).toBe('unchanged');
  });

  it('does not repeat what the user already covers, nor undo what they ignore', () => {
    // `.env*` covers .env and .env.*; adding `!.env.example` would publish a file the user keeps out.
    const text = edited(editIgnoreFile({ text: '.env*\n', template }));
    expect(addedLines('.env*\n', text).filter((line) => line.startsWith('.env') || line.startsWith('!'))).toEqual([]);
    expect(ignore().add(text).ignores('.env.example')).toBe(true);
  });

  it("keeps the user's exceptions and the repository's files visible", () => {
    const before = '.env\n!.env.example\n';
    const text = edited(editIgnoreFile({ text: before, template }));
    expect(ignore().add(text).ignores('.env.example')).toBe(false);
    expect(ignore().add(text).ignores('.env.local')).toBe(true);
    const kept = editIgnoreFile({ text: 'dist\n', template, keepVisible: ['certs/ca.pem'] });
    expect(ignore().add(edited(kept)).ignores('certs/ca.pem')).toBe(false);
    expect(kept.kind === 'edited' && kept.notes).toEqual(['not added "*.pem": it would ignore certs/ca.pem, which is in the repository']);
  });

  it('leaves out patterns it is told to (a Dockerfile may need its tests) and handles a file without a final newline', () => {
    const text = edited(editIgnoreFile({ text: 'node_modules', template: 'tests\n.git\n', skip: ['tests'] }));
    expect(text).toBe('node_modules\n\n# added by secure-stack add\n.git\n');
  });
});

describe('compose', () => {
  const compose = `# dev stack
x-hardened: &hardened
  read_only: true

services:
  db:
    image: postgres:16 # the database
    ports:
      - "5432:5432"

  api:
    build: ./api
    <<: *hardened
    security_opt:
      - apparmor:docker-default
    cap_drop: [NET_RAW]

  web:
    image: nginx
    read_only: false # writes its cache

  override-only:
    environment:
      A: "1"

  flow: { image: redis }
`;

  it("adds read_only, cap_drop and no-new-privileges where missing, keeping the user's values, comments and merges", () => {
    const result = editCompose(compose);
    const text = edited(result);
    expect(linesPreservedInOrder(compose, text)).toBe(true);
    const services = parseDocument(text).toJS().services;
    expect(services.db).toMatchObject({ read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] });
    expect(services.api.security_opt).toEqual(['apparmor:docker-default', 'no-new-privileges:true']);
    expect(services.api.cap_drop).toEqual(['NET_RAW']); // a flow list is the user's: noted, not edited
    expect(services.web.read_only).toBe(false);
    expect(services['override-only']).toEqual({ environment: { A: '1' } });
    expect(services.flow).toEqual({ image: 'redis' });
    expect(result.kind === 'edited' && result.notes).toEqual([
      'service api: cap_drop is not a block list (or comes from a merge): not edited',
      'service flow is written in flow style: not edited',
    ]);
    expect(text).toContain('    image: postgres:16 # the database\n');
    expect(editCompose(text)).toEqual({ kind: 'unchanged', notes: result.kind === 'edited' ? result.notes : [] });
  });

  it('inserts at the indentation the file uses and refuses what does not parse', () => {
    const four = 'services:\n    app:\n        image: x\n';
    const text = edited(editCompose(four));
    expect(text).toContain('\n        cap_drop:\n            - ALL\n');
    expect(parseDocument(text).toJS().services.app.cap_drop).toEqual(['ALL']);
    expect(editCompose('services: [\n').kind).toBe('unsafe');
    expect(editCompose('version: "3"\n')).toEqual({ kind: 'unchanged', notes: ['no services: mapping'] });
  });
});

describe('workflows', () => {
  const workflow = `name: test
on: [push]

# Everything runs here.
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # full history
      - uses: actions/checkout@v4
        with:
          persist-credentials: true
      - run: make
`;

  it('adds contents: read above the comment that leads jobs, and persist-credentials: false to each checkout that lacks it', () => {
    const result = editWorkflow(workflow);
    const text = edited(result);
    expect(linesPreservedInOrder(workflow, text)).toBe(true);
    expect(text).toContain('on: [push]\n\npermissions:\n  contents: read\n\n# Everything runs here.\njobs:\n');
    const steps = parseDocument(text).toJS().jobs.build.steps;
    expect(steps[0].with).toEqual({ 'persist-credentials': false });
    expect(steps[1].with).toEqual({ 'fetch-depth': 0, 'persist-credentials': false });
    expect(steps[2].with).toEqual({ 'persist-credentials': true });
    expect(editWorkflow(text).kind).toBe('unchanged');
  });

  it('uses permissions: {} when every job has its own, keeps existing permissions, and spares a job that pushes', () => {
    const own = `on: push
jobs:
  release:
    permissions:
      contents: write
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: git push origin --tags
`;
    const result = editWorkflow(own);
    expect(edited(result)).toContain('permissions: {}\n\njobs:\n');
    expect(parseDocument(edited(result)).toJS().jobs.release.steps[0]).toEqual({ uses: 'actions/checkout@v4' });
    expect(result.kind === 'edited' && result.notes[0]).toMatch(/job release pushes/);
    const withTop = 'on: push\npermissions: read-all\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n';
    expect(editWorkflow(withTop).kind).toBe('unchanged');
    expect(editWorkflow('on: push\n').kind).toBe('unsafe');
  });
});

describe('next.config', () => {
  const parses = (name: string, text: string) => parseSync(name, text, { lang: name.endsWith('.ts') ? 'ts' : 'js' }).errors.length === 0;

  it('inserts poweredByHeader and headers() first in the exported object, above its leading comment', () => {
    const config = "// Site config\nconst nextConfig = {\n  // From the CMS only.\n  images: { domains: ['cms.example'] },\n};\n\nexport default nextConfig;\n";
    const text = edited(editNextConfig('next.config.mjs', config));
    expect(linesPreservedInOrder(config, text)).toBe(true);
    expect(text).toMatch(/^const nextConfig = \{\n  poweredByHeader: false,\n  \/\/ Added by secure-stack add \(WEB-06\)/m);
    expect(text).toContain("  // From the CMS only.\n  images: { domains: ['cms.example'] },\n");
    expect(text).toContain("          { key: 'X-Content-Type-Options', value: 'nosniff' },\n");
    expect(parses('next.config.mjs', text)).toBe(true);
    expect(editNextConfig('next.config.mjs', text).kind).toBe('unchanged');
  });

  it('finds the config through module.exports, a wrapper call and satisfies', () => {
    for (const [name, config] of [
      ['next.config.js', "module.exports = {\n  reactStrictMode: true,\n};\n"],
      ['next.config.mjs', "import withAnalyzer from '@next/bundle-analyzer';\nconst config = {\n  reactStrictMode: true,\n};\nexport default withAnalyzer({ enabled: false })(config);\n"],
      ['next.config.ts', "import type { NextConfig } from 'next';\nexport default {\n  reactStrictMode: true,\n} satisfies NextConfig;\n"],
    ] as const) {
      const text = edited(editNextConfig(name, config));
      expect(parses(name, text)).toBe(true);
      expect(text).toContain('  poweredByHeader: false,\n');
    }
  });

  it("leaves the user's poweredByHeader and headers alone and refuses a config it cannot find", () => {
    const own = "export default {\n  poweredByHeader: true,\n  async headers() { return []; },\n};\n";
    expect(editNextConfig('next.config.mjs', own)).toEqual({ kind: 'unchanged', notes: ['poweredByHeader is set by you: left as it is (WEB-06 wants false)'] });
    expect(editNextConfig('next.config.mjs', 'export default (phase) => ({ reactStrictMode: true });\n').kind).toBe('unsafe');
    expect(editNextConfig('next.config.mjs', 'export default {};\n').kind).toBe('unsafe');
    expect(editNextConfig('next.config.mjs', 'export default {\n').kind).toBe('unsafe');
  });
});
