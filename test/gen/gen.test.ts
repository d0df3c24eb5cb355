/**
 * `secure-stack gen` on generated repositories, in-process: names, refusal to overwrite, dry-run, idempotent edits,
 * the manifest record, the strict escaping of the generator templates, and the repository's own plopfile (run with
 * node-plop) producing exactly the files `secure-stack gen` produces.
 */
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import nodePlop from 'node-plop';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { projectNameProblem } from '../../src/answers/names.js';
import { runGen } from '../../src/cli/gen.js';
import { main } from '../../src/cli/main.js';
import type { SecureStackError } from '../../src/errors.js';
import { GENERATORS_TEMPLATE_DIR, loadGeneratorsModule, type GeneratorsModule } from '../../src/gen/gen.js';
import { parseManifest } from '../../src/manifest/manifest.js';
import { ESCAPE_HELPERS } from '../../src/render/escape.js';
import { compileTemplate } from '../../src/render/handlebars.js';
import { TEMPLATES_DIR } from '../../src/render/templates.js';
import { DiskAdapter } from '../../src/tree/disk.js';
import { listFiles, makeTempDir, removeDir, snapshot } from '../support/cli.js';
import { generateProject, type GeneratedProject } from '../support/project.js';
import { capturedIO } from '../support/streams.js';

let generators: GeneratorsModule;
let full: GeneratedProject;
let apiOnly: GeneratedProject;
const scratch: string[] = [];

beforeAll(async () => {
  generators = await loadGeneratorsModule();
  [full, apiOnly] = await Promise.all([generateProject({ projectName: 'demo-app' }), generateProject({ projectName: 'solo', layers: ['api'] })]);
});
afterAll(() => {
  for (const dir of [full?.dir, apiOnly?.dir, ...scratch]) if (dir !== undefined) removeDir(dir);
});

/** A fresh copy of a generated project, so each test starts from the pristine repository. */
function copyOf(project: GeneratedProject): string {
  const dir = makeTempDir('secure-stack-gen-');
  scratch.push(dir);
  cpSync(project.dir, dir, { recursive: true });
  return dir;
}

async function gen(dir: string, ...argv: string[]) {
  const io = capturedIO(dir);
  const exitCode = await main(['gen', ...argv], io);
  return { exitCode, stdout: io.stdout.text, stderr: io.stderr.text };
}

const read = (dir: string, file: string): string => readFileSync(path.join(dir, file), 'utf8');

describe('names', () => {
  it('accepts lowercase words and one camelCase word, and derives each language form', () => {
    expect(generators.componentNames('route', 'line-items')).toMatchObject({ kebab: 'line-items', snake: 'line_items', camel: 'lineItems', pascal: 'LineItems' });
    expect(generators.componentNames('table', 'line_items').resource.snake).toBe('line_items');
    const action = generators.componentNames('action', 'createInvoice');
    expect(action).toMatchObject({ kebab: 'create-invoice', snake: 'create_invoice', camel: 'createInvoice', pascal: 'CreateInvoice' });
    expect(action.resource).toMatchObject({ kebab: 'invoices', snake: 'invoices' });
    expect(generators.componentNames('action', 'archiveCategory').resource.snake).toBe('categories');
    expect(generators.componentNames('route', 'invoices').item.pascal).toBe('Invoice');
  });

  it.each([
    ['', /empty/],
    ['Invoices-x', /uppercase/],
    ['../etc', /lowercase words/],
    ['a b', /lowercase words/],
    ['x;drop', /lowercase words/],
    ['café', /lowercase words/],
    ['1abc', /lowercase words/],
    ['trailing-', /lowercase words/],
    ['import', /Python keyword/],
    ['order', /reserved word of PostgreSQL/],
    ['pg_stats', /pg_/],
    ['a'.repeat(41), /longer than 40/],
  ])('refuses %j', async (name, reason) => {
    expect(generators.nameProblem(name)).toMatch(reason);
    const dir = copyOf(apiOnly);
    const before = snapshot(dir);
    const result = await gen(dir, 'route', name, '--yes');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/invalid route name/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('every name the generators accept passes the project-name rules in its kebab-case form', () => {
    for (const name of ['invoices', 'line-items', 'line_items', 'createInvoice', 'CreateInvoice', 'a1', 'v2-api', 'x']) {
      expect(generators.nameProblem(name), name).toBeUndefined();
      expect(projectNameProblem(generators.componentNames('route', name).kebab), name).toBeUndefined();
    }
  });

  it('an action is a verb and a resource; names the stack already uses are refused', async () => {
    expect(() => generators.componentNames('action', 'invoices')).toThrow(/verb \+ resource/);
    expect(() => generators.componentNames('route', 'projects')).toThrow(/already has projects/);
    expect(() => generators.componentNames('table', 'tenants')).toThrow(/already has tenants/);
    const dir = copyOf(apiOnly);
    expect((await gen(dir, 'route', 'me', '--yes')).exitCode).toBe(2);
  });
});

describe('templates', () => {
  const templates = new DiskAdapter(path.join(TEMPLATES_DIR, GENERATORS_TEMPLATE_DIR)).listFiles().filter((entry) => entry.path.endsWith('.handlebars'));

  it('every generator template passes the strict pipeline (each mustache an escaper call) for every generator that uses it', () => {
    expect(templates.length).toBeGreaterThanOrEqual(10);
    const used = new Set<string>();
    for (const generator of generators.GENERATOR_NAMES) {
      const names = generators.componentNames(generator, generator === 'action' ? 'createInvoice' : 'line-items');
      const data = generators.templateData(generator, names, { dbPrefix: 'demo_app' });
      const plan = generators.planComponent(generator, names, {
        read: () => 'x',
        list: () => ['0001_tenants.up.sql', '0002_projects.up.sql'],
      });
      for (const file of plan.files) {
        used.add(file.template);
        const text = readFileSync(path.join(TEMPLATES_DIR, GENERATORS_TEMPLATE_DIR, file.template), 'utf8');
        expect(() => compileTemplate(text, file.template)(data)).not.toThrow();
      }
    }
    expect([...used].sort()).toEqual(templates.map((entry) => entry.path).sort());
  });

  it("the plopfile's escapers print exactly what the strict pipeline's escapers print, and refuse anything else", () => {
    const values = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') values.add(value);
      else if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
    };
    for (const generator of generators.GENERATOR_NAMES) {
      for (const name of ['invoices', 'line-items', 'archiveCategory', 'x1']) {
        if (generator === 'action' && !/[A-Z-]/.test(name)) continue;
        collect(generators.templateData(generator, generators.componentNames(generator, name), { dbPrefix: 'demo_app' }));
      }
    }
    expect(values.size).toBeGreaterThan(30);
    for (const [helper, escape] of Object.entries(generators.ESCAPERS)) {
      const ours = ESCAPE_HELPERS[helper as keyof typeof ESCAPE_HELPERS] as (value: unknown) => string;
      for (const value of values) {
        let expected: string | Error;
        try {
          expected = ours(value);
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) expect(() => escape(value), `${helper}(${value})`).toThrow();
        else expect(escape(value), `${helper}(${value})`).toBe(expected);
      }
      for (const hostile of ['a"b', "a'b", 'a\\b', 'a\nb', '{{x}}', '<script>', ' lead', 'tail ', 'é']) {
        expect(() => escape(hostile), `${helper}(${JSON.stringify(hostile)})`).toThrow(/refusing/);
      }
    }
  });
});

describe('secure-stack gen', () => {
  it('route: creates the router and its tests, includes it in the app factory, records the component', async () => {
    const dir = copyOf(full);
    const result = await gen(dir, 'route', 'invoices', '--yes');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('CREATE api/app/routes/invoices.py');
    expect(result.stdout).toContain('UPDATE api/app/factory.py');
    const route = read(dir, 'api/app/routes/invoices.py');
    expect(route).toContain('READ_SCOPE = "invoices:read"');
    expect(route).toContain('Security(require_principal, scopes=[WRITE_SCOPE])');
    expect(route).toContain('with database.tenant_transaction(principal.tenant_id) as cursor:');
    expect(read(dir, 'api/tests/test_invoices.py')).toContain('from app.routes.invoices import INSERT_SQL, LIST_SQL, READ_SCOPE, WRITE_SCOPE');
    const factory = read(dir, 'api/app/factory.py');
    const pristine = read(full.dir, 'api/app/factory.py');
    const importLine = /^from app\.routes import .+$/m.exec(pristine)![0];
    const lastInclude = [...pristine.matchAll(/^ {4}app\.include_router\(\w+\.router\)$/gm)].at(-1)![0];
    expect(factory).toBe(
      pristine.replace(importLine, `${importLine}, invoices`).replace(lastInclude, `${lastInclude}\n    app.include_router(invoices.router)`),
    );
    const manifest = parseManifest(read(dir, '.secure-stack.yaml'));
    expect(manifest.components).toEqual([
      {
        generator: 'route',
        name: 'invoices',
        generatedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        files: {
          'api/app/routes/invoices.py': { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
          'api/tests/test_invoices.py': { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        },
      },
    ]);
    // The rest of the manifest is untouched.
    expect({ ...manifest, components: undefined }).toEqual({ ...parseManifest(read(full.dir, '.secure-stack.yaml')), components: undefined });
  });

  it('table: the next migration number, the policy test, and run.sh runs it', async () => {
    const dir = copyOf(full);
    expect((await gen(dir, 'table', 'invoices', '--yes')).exitCode).toBe(0);
    const up = read(dir, 'db/migrations/0003_invoices.up.sql');
    expect(up).toContain('ALTER TABLE app.invoices FORCE ROW LEVEL SECURITY;');
    expect(up).toContain('GRANT SELECT, INSERT, UPDATE, DELETE ON app.invoices TO "demo_app_app";');
    expect(up).toContain("IF current_user <> 'demo_app_owner' THEN");
    expect(read(dir, 'db/migrations/0003_invoices.down.sql')).toContain('DROP TABLE app.invoices;');
    expect(read(dir, 'db/tests/run.sh')).toContain('run "$app_url" catalog.sql\nrun "$app_url" invoices.sql\n');
    expect(statSync(path.join(dir, 'db/tests/run.sh')).mode & 0o777, 'run.sh stays executable').toBe(0o755);
    expect(statSync(path.join(dir, 'db/tests/invoices.sql')).mode & 0o777).toBe(0o644);
    expect((await gen(dir, 'table', 'line-items', '--yes')).exitCode).toBe(0);
    expect(listFiles(dir)).toContain('db/migrations/0004_line_items.up.sql');
    expect(read(dir, 'db/tests/run.sh')).toContain('run "$app_url" invoices.sql\nrun "$app_url" line_items.sql\n');
    // A table an existing migration creates is refused even under another number.
    const again = await gen(dir, 'table', 'invoices', '--yes');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('already creates app.invoices');
  });

  it('action and page: Server Action with input schema and test; page with its data access layer', async () => {
    const dir = copyOf(full);
    expect((await gen(dir, 'action', 'createInvoice', '--yes')).exitCode).toBe(0);
    const action = read(dir, 'web/app/actions/create-invoice.ts');
    expect(action.startsWith('"use server";')).toBe(true);
    expect(action).toContain('export async function createInvoice(');
    expect(action).toContain('const SCOPE = "invoices:write";');
    expect(read(dir, 'web/lib/inputs/create-invoice.ts')).toContain('export const createInvoiceInputSchema = z.strictObject({');
    expect(listFiles(dir)).toContain('web/test/create-invoice.test.ts');
    expect((await gen(dir, 'page', 'invoices', '--yes')).exitCode).toBe(0);
    expect(read(dir, 'web/lib/server/invoices.ts').startsWith('import "server-only";')).toBe(true);
    expect(read(dir, 'web/app/invoices/page.tsx')).toContain('const rows = await listInvoices();');
  });

  it('secret: declared in compose.yaml, mounted into the api with NAME_FILE, made by make-secrets.sh, in the inventory', async () => {
    const dir = copyOf(full);
    const result = await gen(dir, 'secret', 'stripe-key', '--yes');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('UPDATE compose.yaml');
    const compose = parseYaml(read(dir, 'compose.yaml')) as {
      services: Record<string, { secrets: string[]; environment: Record<string, string> }>;
      secrets: Record<string, { file: string }>;
    };
    expect(compose.secrets.stripe_key).toEqual({ file: './secrets/stripe_key' });
    expect(compose.services.api!.secrets.at(-1)).toBe('stripe_key');
    expect(compose.services.api!.environment.STRIPE_KEY_FILE).toBe('/run/secrets/stripe_key');
    expect(compose.services.web!.secrets).not.toContain('stripe_key');
    // Nothing else of compose.yaml moved: exactly four lines were added.
    const before = read(full.dir, 'compose.yaml').split('\n');
    const after = read(dir, 'compose.yaml').split('\n');
    expect(after.length).toBe(before.length + 4);
    expect(after.filter((line) => !before.includes(line)).sort()).toEqual(
      ['      - stripe_key', '      STRIPE_KEY_FILE: /run/secrets/stripe_key', '    file: ./secrets/stripe_key', '  stripe_key:'].sort(),
    );
    const makeSecrets = read(dir, 'scripts/make-secrets.sh');
    expect(makeSecrets).toContain('new_secret stripe_key "$(random_hex)"\n\necho "make-secrets.sh: $created');
    expect(statSync(path.join(dir, 'scripts/make-secrets.sh')).mode & 0o111).not.toBe(0);
    expect(read(dir, 'docs/security/SECRETS.md')).toContain(
      '| Stripe Key | the api service | secret file mounted at /run/secrets, read through STRIPE\\_KEY\\_FILE | every 90 days |',
    );
    expect(parseManifest(read(dir, '.secure-stack.yaml')).components).toEqual([
      { generator: 'secret', name: 'stripe-key', generatedOn: expect.any(String), files: {} },
    ]);
    const snapshotBefore = snapshot(dir);
    const again = await gen(dir, 'secret', 'stripe_key', '--yes');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('compose.yaml already declares the secret stripe_key');
    expect(snapshot(dir)).toEqual(snapshotBefore);
    expect((await gen(dir, 'secret', 'database-url', '--yes')).stderr).toContain('already declares the secret database_url');
  });

  it('refuses to overwrite: a second run, or a file the user made, stops it before anything is written', async () => {
    const dir = copyOf(full);
    expect((await gen(dir, 'route', 'invoices', '--yes')).exitCode).toBe(0);
    const before = snapshot(dir);
    const second = await gen(dir, 'route', 'invoices', '--yes');
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain('refusing to overwrite api/app/routes/invoices.py, api/tests/test_invoices.py');
    expect(snapshot(dir)).toEqual(before);

    writeFileSync(path.join(dir, 'api/tests/test_orders2.py'), '# mine\n');
    const mine = snapshot(dir);
    const clash = await gen(dir, 'route', 'orders2', '--yes');
    expect(clash.exitCode).toBe(2);
    expect(clash.stderr).toContain('refusing to overwrite api/tests/test_orders2.py');
    expect(snapshot(dir)).toEqual(mine);
  });

  it('--dry-run prints the plan and writes nothing; without a terminal it needs --yes', async () => {
    const dir = copyOf(full);
    const before = snapshot(dir);
    const dry = await gen(dir, 'table', 'invoices', '--dry-run');
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('CREATE db/migrations/0003_invoices.up.sql');
    expect(dry.stdout).toContain('UPDATE db/tests/run.sh');
    expect(dry.stdout).toContain('UPDATE .secure-stack.yaml');
    expect(dry.stdout).toContain('dry run: nothing written (3 to create, 2 to update)');
    const json = await gen(dir, 'route', 'invoices', '--dry-run', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 1, generator: 'route', name: 'invoices', dryRun: true });
    const noTerminal = await gen(dir, 'route', 'invoices');
    expect(noTerminal.exitCode).toBe(2);
    expect(noTerminal.stderr).toContain('pass --yes');
    expect(snapshot(dir)).toEqual(before);
  });

  it('bad usage and a missing layer are exit 2 with nothing written', async () => {
    const dir = copyOf(apiOnly);
    const before = snapshot(dir);
    for (const argv of [['widget', 'x'], ['route'], ['route', 'a', 'b'], ['table', 'invoices', '--yes'], ['action', 'createInvoice', '--yes']]) {
      const result = await gen(dir, ...argv);
      expect(result.exitCode, argv.join(' ')).toBe(2);
    }
    expect((await gen(dir, 'table', 'invoices', '--yes')).stderr).toContain('table needs the db layer (db/migrations/0001_tenants.up.sql is missing)');
    expect(snapshot(dir)).toEqual(before);
    const empty = makeTempDir('secure-stack-gen-empty-');
    scratch.push(empty);
    expect((await gen(empty, 'route', 'invoices', '--yes')).stderr).toContain('no .secure-stack.yaml');
  });

  it('asks before writing on a terminal: declined is exit 130 with nothing written, accepted writes', async () => {
    const dir = copyOf(full);
    const before = snapshot(dir);
    const asked: string[] = [];
    const declined = await runGen(['page', 'invoices'], capturedIO(dir), { confirm: async (message) => (asked.push(message), false) }).catch((error: SecureStackError) => error.exitCode);
    expect(declined).toBe(130);
    expect(asked).toEqual(['Write 2 to create, 1 to update?']);
    expect(snapshot(dir)).toEqual(before);
    expect(await runGen(['page', 'invoices'], capturedIO(dir), { confirm: async () => true })).toBe(0);
    expect(listFiles(dir)).toContain('web/app/invoices/page.tsx');
    const help = capturedIO(dir);
    expect(await main(['help', 'gen'], help)).toBe(0);
    expect(help.stdout.text).toContain('Usage: secure-stack gen <generator> <name> [options]');
  });

  it('edits insert only what is missing: applied twice they change nothing more', async () => {
    const generatorsModule = (await import(path.join(TEMPLATES_DIR, GENERATORS_TEMPLATE_DIR, 'generators.mjs'))) as {
      includeRouter(text: string, module: string): string;
      runPolicyTest(text: string, file: string): string;
    };
    const factory = read(full.dir, 'api/app/factory.py');
    const once = generatorsModule.includeRouter(factory, 'invoices');
    expect(once).not.toBe(factory);
    expect(generatorsModule.includeRouter(once, 'invoices')).toBe(once);
    expect(once.split('\n').length).toBe(factory.split('\n').length + 1);
    const runSh = read(full.dir, 'db/tests/run.sh');
    const added = generatorsModule.runPolicyTest(runSh, 'invoices.sql');
    expect(generatorsModule.runPolicyTest(added, 'invoices.sql')).toBe(added);
    expect(() => generatorsModule.includeRouter('app = FastAPI()\n', 'invoices')).toThrow(/include invoices.router by hand/);
  });
});

describe("the repository's plopfile", () => {
  it('is generated with the generators, and node-plop running it writes the same files as secure-stack gen', async () => {
    expect(listFiles(full.dir)).toEqual(expect.arrayContaining(['plopfile.mjs', '.secure-stack/generators/generators.mjs', '.secure-stack/generators/route/route.py.handlebars']));
    const viaGen = copyOf(full);
    const viaPlop = copyOf(full);
    const steps: Array<[string, string]> = [['route', 'invoices'], ['table', 'invoices'], ['action', 'createInvoice'], ['page', 'invoices'], ['secret', 'stripe-key']];
    for (const [generator, name] of steps) expect((await gen(viaGen, generator, name, '--yes')).exitCode).toBe(0);

    const plop = await nodePlop(path.join(viaPlop, 'plopfile.mjs'), { destBasePath: viaPlop, force: false });
    expect(plop.getGeneratorList().map((entry) => entry.name).sort()).toEqual(['action', 'page', 'route', 'secret', 'table']);
    for (const [generator, name] of steps) {
      const result = await plop.getGenerator(generator).runActions({ name });
      expect(result.failures, `${generator} ${name}`).toEqual([]);
    }
    const withoutManifest = (dir: string) => Object.fromEntries(Object.entries(snapshot(dir)).filter(([file]) => file !== '.secure-stack.yaml'));
    expect(withoutManifest(viaPlop)).toEqual(withoutManifest(viaGen));
    const modes = (dir: string) => listFiles(dir).map((file) => `${file} ${(statSync(path.join(dir, file)).mode & 0o777).toString(8)}`);
    expect(modes(viaPlop)).toEqual(modes(viaGen));
    expect(modes(viaPlop)).toContain('db/tests/run.sh 755');

    // plop refuses to overwrite too: the second run fails before writing anything.
    const before = snapshot(viaPlop);
    const again = await plop.getGenerator('route').runActions({ name: 'invoices' });
    expect(JSON.stringify(again.failures)).toContain('refusing to overwrite api/app/routes/invoices.py');
    expect(snapshot(viaPlop)).toEqual(before);
  });
});
