import "server-only";
import { redirect } from "next/navigation";
import { isSameOrigin } from "../origin";
import { serverEnv } from "./env";
import { getSession, type Session } from "./session";

/** Thrown by the data access layer; route handlers and actions turn them into 401/403 without details. */
export class AuthenticationError extends Error {
  readonly status = 401;
}
export class AuthorizationError extends Error {
  readonly status = 403;
}

/** What a page may show about the user: a minimal DTO, never the token. */
export interface UserDTO {
  name: string;
}

/** For pages: the signed-in user, or a redirect to the login. */
export async function requireUser(returnTo: string): Promise<UserDTO> {
  const session = await getSession();
  if (session === null)
    redirect(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  return { name: session.name || session.sub };
}

/** For the data access layer, actions and route handlers: the verified session, or AuthenticationError. */
export async function verifySession(): Promise<Session> {
  const session = await getSession();
  if (session === null) throw new AuthenticationError("not signed in");
  return session;
}

/** Authorization: the IdP granted this session the scope the operation needs (the API checks it again). */
export function authorize(
  session: Session,
  scope: "projects:read" | "projects:write",
): void {
  if (!session.scopes.includes(scope))
    throw new AuthorizationError(`missing scope ${scope}`);
}

/** Route handlers' CSRF defence for cookie-authenticated mutations (WEB-10). */
export function isSameOriginRequest(request: Request): boolean {
  return isSameOrigin(
    request.headers.get("origin"),
    serverEnv().APP_ORIGIN.origin,
  );
}
