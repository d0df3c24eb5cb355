import { projectInputSchema } from "@/lib/schemas";
import {
  authorize,
  isSameOriginRequest,
  verifySession,
} from "@/lib/server/auth";
import { createProject, listProjects } from "@/lib/server/projects";
import { errorResponse, json } from "@/lib/server/responses";

/** JSON endpoints for the signed-in user's projects. Each handler authenticates itself (WEB-05, WEB-10). */
export async function GET() {
  try {
    const session = await verifySession();
    authorize(session, "projects:read");
    return json(await listProjects());
  } catch (error) {
    return errorResponse(error);
  }
}

export async function POST(request: Request) {
  // A cookie-authenticated mutation: refuse any other origin before anything else (no built-in CSRF check here).
  if (!isSameOriginRequest(request))
    return json({ error: "cross_origin_request" }, 403);
  try {
    const session = await verifySession();
    authorize(session, "projects:write");
    if (!request.headers.get("content-type")?.startsWith("application/json"))
      return json({ error: "unsupported_media_type" }, 415);
    const text = await request.text();
    if (text.length > 10_000) return json({ error: "payload_too_large" }, 413);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return json({ error: "invalid_json" }, 400);
    }
    const parsed = projectInputSchema.safeParse(body);
    if (!parsed.success) return json({ error: "invalid_input" }, 422);
    return json(await createProject(parsed.data), 201);
  } catch (error) {
    return errorResponse(error);
  }
}
