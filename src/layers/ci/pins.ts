/**
 * The action pins of the generated workflows, read from one data file (data/actions-pins.yaml at the package
 * root). Each entry's SHA was read from the action's own git tag; the workflows render
 * `uses: owner/repo[/sub]@<40-hex sha> # vX.Y.Z` from it, so updating a pin is an edit of that file only.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { mapping, validate } from '../../config/validation.js';
import { yamlLibrary } from '../../config/yaml-library.js';
import { RenderError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { DiskAdapter } from '../../tree/disk.js';

export const PINS_FILE = 'data/actions-pins.yaml';

const SHA = /^[0-9a-f]{40}$/;
const VERSION = /^v\d+\.\d+\.\d+$/;
const ACTION = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
/** An entry's `uses:` value as YAML reads it: the `# vX.Y.Z` after it is a YAML comment, so only name@sha remains. */
const USES = /^([A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)@([0-9a-f]{40})$/;

const subpathSchema = mapping(v.object({ uses: v.pipe(v.string(), v.regex(USES, 'must read owner/repo/sub@<40-hex sha>')) }));

const actionSchema = mapping(v.object({
  version: v.pipe(v.string(), v.regex(VERSION, 'must be a release tag vX.Y.Z')),
  sha: v.pipe(v.string(), v.regex(SHA, 'must be a full 40-hex commit SHA')),
  uses: v.optional(v.pipe(v.string(), v.regex(USES, 'must read owner/repo@<40-hex sha>'))),
  subpaths: v.optional(mapping(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]+$/, 'must be one path segment of an action')), subpathSchema))),
  notes: v.optional(v.string()),
}));

const toolSchema = mapping(v.object({
  module: v.pipe(v.string(), v.regex(/^[a-z0-9.-]+(?:\/[A-Za-z0-9_.-]+)+$/, 'must be a Go module path host/path')),
  version: v.pipe(v.string(), v.regex(VERSION, 'must be a release tag vX.Y.Z')),
  notes: v.optional(v.string()),
}));

export const pinsFileSchema = mapping(
  v.object({
    actions: mapping(v.record(v.pipe(v.string(), v.regex(ACTION, 'must be an action name owner/repo[/path]')), actionSchema)),
    tools: mapping(v.object({ actionlint: toolSchema })),
  }),
);

export type PinsFile = v.InferOutput<typeof pinsFileSchema>;

/** One pinned action: `ref` is `owner/repo[/sub]@sha`, `line` the whole `uses:` value with its version comment. */
export interface Pin {
  action: string;
  sha: string;
  version: string;
  ref: string;
  line: string;
}

/** The actions the templates use, by the name templates read them under (`pins.checkout`…). */
export const PIN_NAMES = {
  hardenRunner: 'step-security/harden-runner',
  checkout: 'actions/checkout',
  setupPython: 'actions/setup-python',
  setupNode: 'actions/setup-node',
  uploadArtifact: 'actions/upload-artifact',
  dependencyReview: 'actions/dependency-review-action',
  attestBuildProvenance: 'actions/attest-build-provenance',
  codeqlInit: 'github/codeql-action/init',
  codeqlAnalyze: 'github/codeql-action/analyze',
  codeqlUploadSarif: 'github/codeql-action/upload-sarif',
  setupBuildx: 'docker/setup-buildx-action',
  buildPush: 'docker/build-push-action',
  login: 'docker/login-action',
  trivy: 'aquasecurity/trivy-action',
  sbom: 'anchore/sbom-action',
  gitleaks: 'gitleaks/gitleaks-action',
  zizmor: 'zizmorcore/zizmor-action',
  hadolint: 'hadolint/hadolint-action',
  scorecard: 'ossf/scorecard-action',
  awsCredentials: 'aws-actions/configure-aws-credentials',
  gcpAuth: 'google-github-actions/auth',
  azureLogin: 'azure/login',
} as const;

export type PinName = keyof typeof PIN_NAMES;

export interface ResolvedPins {
  pins: Record<PinName, Pin>;
  /** `go run` argument for actionlint: module@version. */
  actionlint: string;
}

/** Parses and validates the pins file's text; every problem is one RenderError naming the file and the entry. */
export function parsePins(text: string, label = PINS_FILE): PinsFile {
  let data: unknown;
  try {
    data = yamlLibrary().parse(text);
  } catch (error) {
    throw new RenderError(`${label}: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = validate(pinsFileSchema, data);
  if (!result.success) throw new RenderError(`${label}: ${result.problem.path.join('.')}: ${result.problem.message}`);
  return result.data;
}

/**
 * The pin of one action (`owner/repo` or `owner/repo/sub` of a subpath entry). An entry's own `uses` line, when
 * present, must agree with its sha (a half-updated entry is refused) and gives the spelling GitHub
 * uses for the repository (`Azure/login`).
 */
export function pinFor(file: PinsFile, action: string, label = PINS_FILE): Pin {
  const parts = action.split('/');
  const repoKey = parts.slice(0, 2).join('/');
  const sub = parts.slice(2).join('/');
  const entry = Object.entries(file.actions).find(([key]) => key.toLowerCase() === repoKey.toLowerCase())?.[1];
  if (entry === undefined) throw new RenderError(`${label}: no pin for ${repoKey}`);
  let spelled = action;
  const check = (uses: string, expected: string): void => {
    const match = USES.exec(uses)!;
    const [, name = '', sha] = match;
    if (name.toLowerCase() !== expected.toLowerCase() || sha !== entry.sha) {
      throw new RenderError(`${label}: ${repoKey}: "uses: ${uses}" disagrees with its entry (${expected}@${entry.sha})`);
    }
    spelled = name;
  };
  if (sub === '') {
    if (entry.uses !== undefined) check(entry.uses, action);
  } else {
    const subEntry = entry.subpaths?.[sub];
    if (subEntry === undefined) throw new RenderError(`${label}: ${repoKey} has no subpath ${sub}`);
    check(subEntry.uses, action);
  }
  const ref = `${spelled}@${entry.sha}`;
  return { action: spelled, sha: entry.sha, version: entry.version, ref, line: `${ref} # ${entry.version}` };
}

export function resolvePins(file: PinsFile, label = PINS_FILE): ResolvedPins {
  const pins = Object.fromEntries(
    Object.entries(PIN_NAMES).map(([name, action]) => [name, pinFor(file, action, label)]),
  ) as Record<PinName, Pin>;
  const tool = file.tools.actionlint;
  return { pins, actionlint: `${tool.module}@${tool.version}` };
}

let cached: ResolvedPins | undefined;
let precomputed: { sha256: string; resolved: ResolvedPins } | undefined;

/**
 * The pins resolved ahead of time from the pins file with this sha256 (templates/precompiled.mjs): parsing and
 * validating the 23 kB file was a sixth of what `new` spent. Used only while the file still has that hash.
 */
export function usePrecomputedPins(entry: { sha256: string; resolved: ResolvedPins } | undefined): void {
  precomputed = entry;
  cached = undefined;
}

/** The package's pins (read once per process). */
export function packagePins(): ResolvedPins {
  if (cached === undefined) {
    const raw = new DiskAdapter(PACKAGE_ROOT).readFile(PINS_FILE);
    if (raw === undefined) throw new RenderError(`${PINS_FILE} is missing from the package`);
    cached =
      precomputed !== undefined && precomputed.sha256 === createHash('sha256').update(raw).digest('hex')
        ? structuredClone(precomputed.resolved)
        : resolvePins(parsePins(raw.toString('utf8')));
  }
  return cached;
}
