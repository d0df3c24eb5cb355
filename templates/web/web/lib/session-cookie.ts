/**
 * The session cookie's name and attributes (WEB-11). `__Host-` makes the browser refuse it unless it is
 * Secure, has Path=/ and no Domain, so no sibling subdomain can set or overwrite it.
 */
export const SESSION_COOKIE = "__Host-session";
/** The short-lived cookie that carries PKCE verifier, state and nonce from /auth/login to /auth/callback. */
export const LOGIN_COOKIE = "__Host-login";
export const LOGIN_MAX_AGE_SECONDS = 600;
/** The longest a session may last, whatever SESSION_MAX_AGE_SECONDS says. */
export const SESSION_MAX_AGE_LIMIT_SECONDS = 43_200;

export function cookieOptions(maxAgeSeconds: number) {
  return {
    httpOnly: true,
    secure: true,
    sameSite: "lax" as const,
    path: "/",
    maxAge: maxAgeSeconds,
  };
}
