// Types of scripts/debian13-root.mjs for the TypeScript tests that import it.
export const DEBIAN13_DEFAULT_ROOT: string;
export const DEBIAN13_STAMP: string;
export function debian13Root(): string | undefined;
