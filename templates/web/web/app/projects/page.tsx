import { requireUser } from "@/lib/server/auth";
import { listProjects } from "@/lib/server/projects";
import { NewProjectForm } from "./new-project-form";

/** The signed-in user's projects, read through the data access layer (a Server Component: no token reaches the browser). */
export default async function ProjectsPage() {
  const user = await requireUser("/projects");
  const projects = await listProjects();
  return (
    <>
      <h1>Projects</h1>
      <p>Signed in as {user.name}.</p>
      <form action="/auth/logout" method="post">
        <button type="submit">Sign out</button>
      </form>
      {projects.length === 0 ? (
        <p>No projects yet.</p>
      ) : (
        <ul id="projects">
          {projects.map((project) => (
            <li key={project.id}>{project.name}</li>
          ))}
        </ul>
      )}
      <NewProjectForm />
    </>
  );
}
