import { readFileSync } from "node:fs";
import type { NextConfig } from "next";

/**
 * Build-time settings. Secrets are never read here except the Server Actions key, which `next build`
 * bakes into the server output (WEB-09): give it as NEXT_SERVER_ACTIONS_ENCRYPTION_KEY or, better, as a file
 * named by NEXT_SERVER_ACTIONS_ENCRYPTION_KEY_FILE (a build secret), so that every instance decrypts the
 * same action ids.
 */
const keyFile = process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY_FILE;
if (!process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY && keyFile) {
  process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY = readFileSync(
    keyFile,
    "utf8",
  ).trim();
}

/** Server Actions accept a POST only when its Origin is this host or one of these (exact hosts, never a wildcard). */
function allowedActionOrigins(): string[] {
  const origin = new URL(process.env.APP_ORIGIN ?? "http://localhost:3000");
  if (origin.host.includes("*"))
    throw new Error("APP_ORIGIN must be an exact origin, not a wildcard");
  return [origin.host];
}

/** On every response (WEB-06). The Content-Security-Policy is per request, with a nonce: see proxy.ts. */
const securityHeaders = [
  {
    key: "Strict-Transport-Security",
    value: "max-age=63072000; includeSubDomains",
  },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  {
    key: "Permissions-Policy",
    value:
      "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
  },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
  { key: "X-Frame-Options", value: "DENY" },
];

const nextConfig: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  reactStrictMode: true,
  productionBrowserSourceMaps: false,
  experimental: {
    // React's taint APIs (WEB-14): tokens and raw API records can never be passed to a Client Component.
    taint: true,
    serverActions: {
      allowedOrigins: allowedActionOrigins(),
      bodySizeLimit: "100kb",
    },
  },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
