import "server-only";
import * as client from "openid-client";
import { isLoopback, serverEnv } from "./env";

/**
 * OpenID Connect login with openid-client: authorization code flow with PKCE (S256), state and nonce, against
 * the issuer the API trusts. Discovery is fetched once and kept; a failed fetch is retried on the next login.
 */
let configuration: Promise<client.Configuration> | undefined;

export function oidcConfiguration(): Promise<client.Configuration> {
  const env = serverEnv();
  configuration ??= client
    .discovery(
      env.OIDC_ISSUER,
      env.OIDC_CLIENT_ID,
      env.OIDC_CLIENT_SECRET,
      undefined,
      // Plain http is allowed only for an identity provider on this machine (local development and tests).
      isLoopback(env.OIDC_ISSUER) && env.OIDC_ISSUER.protocol === "http:"
        ? { execute: [client.allowInsecureRequests] }
        : undefined,
    )
    .catch((error: unknown) => {
      configuration = undefined;
      throw error;
    });
  return configuration;
}

export function redirectUri(): string {
  return new URL("/auth/callback", serverEnv().APP_ORIGIN).href;
}

/** Only paths of this app: never another origin, and not `//host` or `/\host`, which browsers treat as one. */
export function safeReturnTo(value: string | null | undefined): string {
  if (
    typeof value !== "string" ||
    !value.startsWith("/") ||
    value.startsWith("//") ||
    value.startsWith("/\\")
  )
    return "/projects";
  if (/[\u0000-\u001f\\]/.test(value)) return "/projects";
  return value;
}

export { client };
