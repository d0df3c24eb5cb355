import { cookies } from "next/headers";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { cookieOptions, LOGIN_COOKIE } from "@/lib/session-cookie";
import { serverEnv } from "@/lib/server/env";
import { client, oidcConfiguration, safeReturnTo } from "@/lib/server/oidc";
import { unseal } from "@/lib/server/seal";
import { startSession } from "@/lib/server/session";

const pending = z.object({
  codeVerifier: z.string(),
  state: z.string(),
  nonce: z.string(),
  returnTo: z.string(),
});

/** Finishes the login: checks state, nonce and the PKCE verifier (openid-client), then starts the session. */
export async function GET(request: NextRequest) {
  const env = serverEnv();
  const store = await cookies();
  const login = pending.safeParse(
    await unseal(store.get(LOGIN_COOKIE)?.value, env.SESSION_SECRET, "login"),
  );
  store.set(LOGIN_COOKIE, "", cookieOptions(0));
  if (!login.success) return failed();
  try {
    const configuration = await oidcConfiguration();
    // The URL the IdP redirected to, on the public origin (the request may have come through a proxy).
    const current = new URL(
      `${request.nextUrl.pathname}${request.nextUrl.search}`,
      env.APP_ORIGIN,
    );
    const tokens = await client.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: login.data.codeVerifier,
      expectedState: login.data.state,
      expectedNonce: login.data.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (claims === undefined) return failed();
    const name =
      [claims.name, claims.preferred_username, claims.email].find(
        (value): value is string => typeof value === "string",
      ) ?? "";
    await startSession({
      sub: claims.sub,
      name: name.slice(0, 200),
      accessToken: tokens.access_token,
      scopes: (tokens.scope ?? env.OIDC_SCOPES).split(" ").filter(Boolean),
      expiresIn: tokens.expiresIn(),
    });
  } catch (error) {
    console.warn(
      JSON.stringify({
        event: "login_failed",
        reason:
          error instanceof Error
            ? ((error as { code?: unknown }).code ?? error.name)
            : "unknown",
      }),
    );
    return failed();
  }
  return NextResponse.redirect(
    new URL(safeReturnTo(login.data.returnTo), env.APP_ORIGIN),
    { status: 303, headers: { "Cache-Control": "no-store" } },
  );
}

function failed() {
  return new NextResponse("Sign-in failed. Please try again.", {
    status: 400,
    headers: { "Cache-Control": "no-store" },
  });
}
