/**
 * Receives Content-Security-Policy violation reports (report-uri and the Reporting API's report-to) and logs
 * one line per report, bounded: a page that violates its policy is either broken or under attack.
 */
const MAX_REPORT_BYTES = 8_192;

export async function POST(request: Request) {
  const type = request.headers.get("content-type") ?? "";
  if (
    !type.startsWith("application/csp-report") &&
    !type.startsWith("application/reports+json") &&
    !type.startsWith("application/json")
  ) {
    return new Response(null, { status: 415 });
  }
  const text = await request.text();
  if (text.length > MAX_REPORT_BYTES)
    return new Response(null, { status: 413 });
  try {
    const parsed: unknown = JSON.parse(text);
    const reports = Array.isArray(parsed) ? parsed : [parsed];
    for (const report of reports.slice(0, 10)) {
      const body =
        (
          report as {
            body?: Record<string, unknown>;
            "csp-report"?: Record<string, unknown>;
          }
        ).body ??
        (report as { "csp-report"?: Record<string, unknown> })["csp-report"] ??
        {};
      const directive = String(
        body.effectiveDirective ??
          body["effective-directive"] ??
          body["violated-directive"] ??
          "unknown",
      ).slice(0, 100);
      const blocked = String(
        body.blockedURL ?? body["blocked-uri"] ?? "unknown",
      ).slice(0, 200);
      console.warn(
        JSON.stringify({ event: "csp_violation", directive, blocked }),
      );
    }
  } catch {
    return new Response(null, { status: 400 });
  }
  return new Response(null, { status: 204 });
}
