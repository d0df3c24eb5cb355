/** Liveness for the container's health check. Public on purpose; says nothing about the configuration. */
export function GET() {
  return Response.json(
    { status: "ok" },
    { headers: { "Cache-Control": "no-store" } },
  );
}
