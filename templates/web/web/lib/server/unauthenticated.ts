import "server-only";
import { NextResponse } from "next/server";
import { cookieOptions, SESSION_COOKIE } from "../session-cookie";

/**
 * The 401 of route handlers. It also deletes the session cookie: a cookie that no longer unseals (the session
 * key was rotated, or it expired) would otherwise be sent with every request until the browser drops it.
 */
export function unauthenticatedResponse(): NextResponse {
  const response = NextResponse.json(
    { error: "unauthenticated" },
    { status: 401, headers: { "Cache-Control": "private, no-store" } },
  );
  response.cookies.set(SESSION_COOKIE, "", cookieOptions(0));
  return response;
}
