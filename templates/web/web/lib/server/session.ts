import "server-only";
import { cookies } from "next/headers";
import { cache } from "react";
import { z } from "zod";
import { cookieOptions, SESSION_COOKIE } from "../session-cookie";
import { serverEnv } from "./env";
import { seal, unseal } from "./seal";
import { taintToken } from "./taint";

/**
 * The session lives only in an encrypted, HttpOnly `__Host-` cookie (WEB-11). It holds the user's API access
 * token, which stays on the server: the browser cannot read the cookie, and the token is tainted so no
 * component can render it (BFF, WEB-12).
 */
const sessionSchema = z.object({
  sub: z.string().min(1),
  name: z.string(),
  accessToken: z.string().min(1),
  scopes: z.array(z.string()),
  expiresAt: z.number().int(),
});

export type Session = z.infer<typeof sessionSchema>;

const PURPOSE = "session";

/** The verified session of this request, or null. Cached per request. */
export const getSession = cache(async (): Promise<Session | null> => {
  const store = await cookies();
  const payload = await unseal(
    store.get(SESSION_COOKIE)?.value,
    serverEnv().SESSION_SECRET,
    PURPOSE,
  );
  const parsed = sessionSchema.safeParse(payload);
  if (!parsed.success || parsed.data.expiresAt * 1000 <= Date.now())
    return null;
  const session = parsed.data;
  taintToken(session.accessToken, session);
  return session;
});

/** Starts a session that ends with the access token or SESSION_MAX_AGE_SECONDS, whichever comes first. */
export async function startSession(user: {
  sub: string;
  name: string;
  accessToken: string;
  scopes: string[];
  expiresIn: number | undefined;
}) {
  const env = serverEnv();
  const maxAge = Math.max(
    1,
    Math.min(
      env.SESSION_MAX_AGE_SECONDS,
      user.expiresIn ?? env.SESSION_MAX_AGE_SECONDS,
    ),
  );
  const session: Session = {
    sub: user.sub,
    name: user.name,
    accessToken: user.accessToken,
    scopes: user.scopes,
    expiresAt: Math.floor(Date.now() / 1000) + maxAge,
  };
  const store = await cookies();
  store.set(
    SESSION_COOKIE,
    await seal(session, env.SESSION_SECRET, PURPOSE, maxAge),
    cookieOptions(maxAge),
  );
}

export async function endSession() {
  const store = await cookies();
  store.set(SESSION_COOKIE, "", cookieOptions(0));
}
