/**
 * The Content-Security-Policy of one response (WEB-04). Pure and secret-free, so proxy.ts and the unit
 * tests share it. Scripts run only with this request's nonce (and what they load, via 'strict-dynamic');
 * 'unsafe-eval' exists only in development, where React's dev tools need it.
 */
export const CSP_REPORT_PATH = "/api/csp-report";
export const CSP_REPORT_GROUP = "csp-endpoint";

/** 128 random bits, base64: a fresh one for every request. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(
  nonce: string,
  development: boolean,
): string {
  if (!/^[A-Za-z0-9+/]{16,}={0,2}$/.test(nonce))
    throw new Error("the CSP nonce must be base64");
  const directives: Array<[string, ...string[]]> = [
    ["default-src", "'self'"],
    [
      "script-src",
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(development ? ["'unsafe-eval'"] : []),
    ],
    [
      "style-src",
      "'self'",
      development ? "'unsafe-inline'" : `'nonce-${nonce}'`,
    ],
    ["img-src", "'self'", "blob:", "data:"],
    ["font-src", "'self'"],
    ["connect-src", "'self'"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
    ["frame-ancestors", "'none'"],
    ["report-uri", CSP_REPORT_PATH],
    ["report-to", CSP_REPORT_GROUP],
  ];
  return directives.map((directive) => directive.join(" ")).join("; ");
}

/** The Reporting API endpoint that `report-to` names. */
export const REPORTING_ENDPOINTS = `${CSP_REPORT_GROUP}="${CSP_REPORT_PATH}"`;
