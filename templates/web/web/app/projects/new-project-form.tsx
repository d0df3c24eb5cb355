"use client";

import { useActionState } from "react";
import { createProjectAction, type CreateProjectState } from "./actions";

const initialState: CreateProjectState = { ok: false, message: "" };

export function NewProjectForm() {
  const [state, formAction, pending] = useActionState(
    createProjectAction,
    initialState,
  );
  return (
    <form action={formAction}>
      <label>
        New project <input name="name" required maxLength={200} />
      </label>
      <button type="submit" disabled={pending}>
        Create
      </button>
      {state.message ? (
        <p className={state.ok ? undefined : "error"}>{state.message}</p>
      ) : null}
    </form>
  );
}
