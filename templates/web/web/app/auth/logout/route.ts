import { NextResponse } from "next/server";
import { isSameOriginRequest } from "@/lib/server/auth";
import { serverEnv } from "@/lib/server/env";
import { endSession } from "@/lib/server/session";

/** Signing out is a POST from this origin only (a cross-site form cannot sign a user out), and clears the cookie. */
export async function POST(request: Request) {
  if (!isSameOriginRequest(request))
    return new NextResponse(null, { status: 403 });
  await endSession();
  return NextResponse.redirect(new URL("/", serverEnv().APP_ORIGIN), {
    status: 303,
    headers: { "Cache-Control": "no-store" },
  });
}
