import "server-only";
import { NextResponse } from "next/server";
import { ApiError } from "./api";
import { AuthenticationError, AuthorizationError } from "./auth";
import { unauthenticatedResponse } from "./unauthenticated";

/** JSON answers of route handlers: never cached by a browser or a CDN (WEB-13), no internal details. */
export function json(body: unknown, status = 200): NextResponse {
  return NextResponse.json(body, {
    status,
    headers: { "Cache-Control": "private, no-store" },
  });
}

export function errorResponse(error: unknown): NextResponse {
  if (error instanceof AuthenticationError) return unauthenticatedResponse();
  if (error instanceof AuthorizationError)
    return json({ error: "forbidden" }, 403);
  if (error instanceof ApiError)
    return json({ error: "upstream_error" }, error.status === 404 ? 404 : 502);
  console.error(
    "route handler failed",
    error instanceof Error ? error.name : "unknown error",
  );
  return json({ error: "internal_error" }, 500);
}
