import "server-only";
import { serverEnv } from "./env";
import type { Session } from "./session";

/**
 * Calls the API on behalf of the signed-in user with their access token (backend for frontend: the browser
 * never holds it). Every call is `no-store`: user data never enters Next.js's shared data cache (WEB-13).
 */
export class ApiError extends Error {
  constructor(readonly status: number) {
    super(`the API answered ${status}`);
  }
}

const TIMEOUT_MS = 5_000;

export async function callApi(
  session: Session,
  path: `/v1/${string}`,
  init: { method?: "GET" | "POST"; body?: unknown } = {},
): Promise<unknown> {
  const url = new URL(path, serverEnv().API_BASE_URL);
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: {
      Accept: "application/json",
      Authorization: `Bearer ${session.accessToken}`,
      ...(init.body === undefined
        ? {}
        : { "Content-Type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    cache: "no-store",
    redirect: "error",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new ApiError(response.status);
  return response.json();
}
