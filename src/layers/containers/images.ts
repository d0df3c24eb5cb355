/**
 * The base images of the generated Dockerfiles and compose file. Tags are current official tags; a digest is
 * written next to a tag only when `new --pin-digests` resolved it from the registry at generation time
 * (this version ships no digest it could not verify), so an unpinned reference says so in a comment.
 */
export interface BaseImage {
  /** What the image is for, in the generated comments. */
  role: string;
  /** name:tag as written in FROM / image: (Docker Hub official images). */
  reference: string;
}

export const BASE_IMAGES = {
  python: { role: 'API build and runtime stages', reference: 'python:3.13-slim-trixie' },
  node: { role: 'web build and runtime stages', reference: 'node:24-trixie-slim' },
  postgres: { role: 'database and migration job', reference: 'postgres:17-trixie' },
} as const satisfies Record<string, BaseImage>;

export type BaseImageKey = keyof typeof BASE_IMAGES;

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export interface ResolvedImage {
  /** `name:tag@sha256:…` when pinned, else `name:tag`. */
  ref: string;
  reference: string;
  digest: string;
  pinned: boolean;
  role: string;
}

/** Each base image with its digest from `digests` (reference → sha256 digest) when one is known. */
export function resolveBaseImages(digests: Readonly<Record<string, string>>): Record<BaseImageKey, ResolvedImage> {
  const out = {} as Record<BaseImageKey, ResolvedImage>;
  for (const [key, image] of Object.entries(BASE_IMAGES) as Array<[BaseImageKey, BaseImage]>) {
    const digest = digests[image.reference];
    if (digest !== undefined && !DIGEST_RE.test(digest)) throw new Error(`digest for ${image.reference} is not sha256:<64 hex>: ${digest}`);
    out[key] = {
      ref: digest === undefined ? image.reference : `${image.reference}@${digest}`,
      reference: image.reference,
      digest: digest ?? '',
      pinned: digest !== undefined,
      role: image.role,
    };
  }
  return out;
}
