import { cookies } from "next/headers";
import { NextResponse, type NextRequest } from "next/server";
import {
  cookieOptions,
  LOGIN_COOKIE,
  LOGIN_MAX_AGE_SECONDS,
  SESSION_COOKIE,
} from "@/lib/session-cookie";
import { serverEnv } from "@/lib/server/env";
import {
  client,
  oidcConfiguration,
  redirectUri,
  safeReturnTo,
} from "@/lib/server/oidc";
import { seal } from "@/lib/server/seal";

/** Starts the authorization code flow with PKCE: verifier, state and nonce wait in a sealed, short-lived cookie. */
export async function GET(request: NextRequest) {
  const env = serverEnv();
  let configuration;
  try {
    configuration = await oidcConfiguration();
  } catch {
    console.error("OIDC discovery failed");
    return new NextResponse("The sign-in service is unavailable.", {
      status: 503,
      headers: { "Cache-Control": "no-store" },
    });
  }
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const returnTo = safeReturnTo(request.nextUrl.searchParams.get("returnTo"));
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri(),
    scope: env.OIDC_SCOPES,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  const store = await cookies();
  store.set(
    LOGIN_COOKIE,
    await seal(
      { codeVerifier, state, nonce, returnTo },
      env.SESSION_SECRET,
      "login",
      LOGIN_MAX_AGE_SECONDS,
    ),
    cookieOptions(LOGIN_MAX_AGE_SECONDS),
  );
  // Signing in replaces any session: a stale cookie (e.g. sealed with a rotated key) ends here, where pages that
  // refused it send the user, since a Server Component cannot delete cookies itself.
  if (store.has(SESSION_COOKIE))
    store.set(SESSION_COOKIE, "", cookieOptions(0));
  return NextResponse.redirect(url, {
    status: 303,
    headers: { "Cache-Control": "no-store" },
  });
}
