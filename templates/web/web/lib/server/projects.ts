import "server-only";
import { z } from "zod";
import { projectInputSchema, type ProjectInput } from "../schemas";
import { callApi } from "./api";
import { authorize, verifySession } from "./auth";
import { taintRecord } from "./taint";

/**
 * The data access layer for projects (WEB-02): authenticates, authorizes, calls the API with the user's token
 * and returns minimal DTOs. Raw API records are tainted so they cannot be handed to the browser by mistake.
 */
export interface ProjectDTO {
  id: string;
  name: string;
  createdAt: string;
}

const apiProject = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
});

function toDTO(record: z.infer<typeof apiProject>): ProjectDTO {
  taintRecord(record);
  return { id: record.id, name: record.name, createdAt: record.created_at };
}

export async function listProjects(): Promise<ProjectDTO[]> {
  const session = await verifySession();
  authorize(session, "projects:read");
  const records = z
    .array(apiProject)
    .parse(await callApi(session, "/v1/projects"));
  return records.map(toDTO);
}

export async function createProject(input: ProjectInput): Promise<ProjectDTO> {
  const session = await verifySession();
  authorize(session, "projects:write");
  const body = projectInputSchema.parse(input);
  return toDTO(
    apiProject.parse(
      await callApi(session, "/v1/projects", { method: "POST", body }),
    ),
  );
}
