import { RenderError } from '../../errors.js';
import { dbRoles } from '../db/index.js';
import type { LayerDefinition, RenderContext } from '../types.js';
import { packagePins, type ResolvedPins } from './pins.js';

/** One image the workflows build, scan, publish and (with a cloud) deploy. */
export interface CiImage {
  /** The service name: `api` or `web` (also the job suffix and the image's last path segment). */
  name: string;
  /** Build context and Dockerfile, relative to the repository root. */
  context: string;
  dockerfile: string;
  /** The build context as Dependabot names it (`/api`). */
  directory: string;
  /** The repository variable naming the cloud service this image is deployed to. */
  serviceVariable: string;
}

export interface CiValues {
  pins: ResolvedPins['pins'];
  /** `module@version` for `go run` (actionlint). */
  actionlint: string;
  images: CiImage[];
  hasImages: boolean;
  deploy: boolean;
  /** CodeQL languages for the chosen layers; `actions` always. */
  codeqlLanguages: string[];
  /** CODEOWNERS owner: the security contact's e-mail address, when it is one. */
  owner: string | undefined;
  db: { database: string; migrator: string; app: string };
  /** `name@version` of this package, exactly the version that generated the repository, for the `secure-stack check` gate. */
  checkPackage: string;
}

// npm's rules for a package name (lower case, optionally scoped) and an exact semver version: nothing a shell or
// npm could read as a range, a tag, a path or a URL.
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const EXACT_VERSION = /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** `name@version` for `npx --package`, refusing anything but a plain package name and an exact version. */
export function checkPackageSpec(tool: { name: string; version: string }): string {
  if (!NPM_NAME.test(tool.name)) throw new RenderError(`package name ${JSON.stringify(tool.name)} is not an npm package name`);
  if (!EXACT_VERSION.test(tool.version)) throw new RenderError(`package version ${JSON.stringify(tool.version)} is not an exact semver version`);
  return `${tool.name}@${tool.version}`;
}

/** Everything the ci templates need beyond the shared context, with the given pins (the package's by default). */
export function ciValues(base: RenderContext, resolved: ResolvedPins = packagePins()): CiValues {
  const images: CiImage[] = base.has.containers
    ? (['api', 'web'] as const)
        .filter((name) => base.has[name])
        .map((name) => ({ name, context: name, dockerfile: `${name}/Dockerfile`, directory: `/${name}`, serviceVariable: `DEPLOY_${name.toUpperCase()}_SERVICE` }))
    : [];
  const contact = base.answers.securityContact;
  const roles = dbRoles(base.names.dbPrefix);
  return {
    pins: resolved.pins,
    actionlint: resolved.actionlint,
    images,
    hasImages: images.length > 0,
    deploy: images.length > 0 && base.answers.cloud !== 'none',
    codeqlLanguages: [...(base.has.api ? ['python'] : []), ...(base.has.web ? ['javascript-typescript'] : []), 'actions'],
    owner: contact.startsWith('mailto:') ? contact.slice('mailto:'.length) : undefined,
    db: { database: base.names.dbPrefix, migrator: roles.migrator, app: roles.app },
    checkPackage: checkPackageSpec(base.tool),
  };
}

const DEPLOY_SCRIPT = '.github/scripts/deploy.sh';
const DB_SCRIPT = '.github/scripts/db-policy-tests.sh';
const ROLLBACK_WORKFLOW = '.github/workflows/rollback.yml';

/**
 * .github/: CI, CodeQL and scanning workflows with least-privilege tokens and SHA-pinned actions, an OIDC deploy
 * per cloud, Dependabot with a cooldown, and CODEOWNERS for the files that change what runs.
 */
export const ciLayer: LayerDefinition = {
  id: 'ci',
  title: 'GitHub Actions',
  summary: 'SHA-pinned actions, least-privilege tokens, OIDC deploys, scanning gates',
  directory: '.github',
  generated: true,
  context: (base) => ({ ci: ciValues(base) }),
  place(outputPath, context) {
    if ((outputPath === DEPLOY_SCRIPT || outputPath === ROLLBACK_WORKFLOW) && !ciValues(context).deploy) return undefined;
    if (outputPath === DB_SCRIPT && !context.has.db) return undefined;
    return outputPath;
  },
};
