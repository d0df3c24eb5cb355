"use server";

import { revalidatePath } from "next/cache";
import { projectInputSchema } from "@/lib/schemas";
import { ApiError } from "@/lib/server/api";
import {
  AuthenticationError,
  AuthorizationError,
  authorize,
  verifySession,
} from "@/lib/server/auth";
import { createProject } from "@/lib/server/projects";

export interface CreateProjectState {
  ok: boolean;
  message: string;
}

/**
 * A Server Action is a public POST endpoint: page checks do not cover it (WEB-07). It authenticates, authorizes,
 * validates, then calls the API through the DAL, and returns only a message.
 */
export async function createProjectAction(
  _previous: CreateProjectState,
  formData: FormData,
): Promise<CreateProjectState> {
  try {
    const session = await verifySession();
    authorize(session, "projects:write");
    const parsed = projectInputSchema.safeParse({ name: formData.get("name") });
    if (!parsed.success)
      return {
        ok: false,
        message: parsed.error.issues[0]?.message ?? "Invalid input.",
      };
    const project = await createProject(parsed.data);
    revalidatePath("/projects");
    return { ok: true, message: `Created ${project.name}.` };
  } catch (error) {
    if (error instanceof AuthenticationError)
      return { ok: false, message: "Please sign in again." };
    if (error instanceof AuthorizationError)
      return { ok: false, message: "You may not create projects." };
    if (error instanceof ApiError)
      return { ok: false, message: "The project could not be created." };
    throw error;
  }
}
