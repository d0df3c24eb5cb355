import { NextResponse, type NextRequest } from "next/server";
import {
  contentSecurityPolicy,
  createNonce,
  REPORTING_ENDPOINTS,
} from "./lib/csp";
import { SESSION_COOKIE } from "./lib/session-cookie";

/** Pages that need a signed-in user. The check here is optimistic only (WEB-05): each page, action and
 * route handler verifies the session again in the data access layer (lib/server/). */
const SIGNED_IN_PAGES = ["/projects"];

export function proxy(request: NextRequest) {
  const nonce = createNonce();
  const csp = contentSecurityPolicy(
    nonce,
    process.env.NODE_ENV === "development",
  );

  const { pathname, search } = request.nextUrl;
  if (
    SIGNED_IN_PAGES.some(
      (page) => pathname === page || pathname.startsWith(`${page}/`),
    ) &&
    !request.cookies.has(SESSION_COOKIE)
  ) {
    const login = new URL("/auth/login", request.url);
    login.searchParams.set("returnTo", `${pathname}${search}`);
    const redirect = NextResponse.redirect(login);
    redirect.headers.set("Content-Security-Policy", csp);
    return redirect;
  }

  // Next.js reads the nonce from the request's CSP and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  response.headers.set("Reporting-Endpoints", REPORTING_ENDPOINTS);
  return response;
}

export const config = {
  matcher: [
    // Every page and route handler; not static build assets or the icon, which carry no HTML.
    {
      source: "/((?!_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
