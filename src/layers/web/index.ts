import type { LayerDefinition } from '../types.js';

/**
 * web/: Next.js App Router app. A server-only data access layer holds the session and the API token (BFF),
 * proxy.ts sets a per-request nonce CSP, Server Actions and route handlers authenticate, authorize and validate
 * inside, the session is an encrypted `__Host-` cookie from an OIDC code + PKCE login.
 */
export const webLayer: LayerDefinition = {
  id: 'web',
  title: 'Next.js web app',
  summary: 'server-only data layer, nonce CSP, authenticated Server Actions',
  directory: 'web',
  generated: true,
};
