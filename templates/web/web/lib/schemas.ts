import { z } from "zod";

/** Input of "create a project", checked in the Server Action, the route handler and the DAL. Matches the API's
 * ProjectCreate: a strict object, 1 to 200 characters, no control characters. */
export const projectInputSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "Give the project a name.")
    .max(200, "At most 200 characters.")
    .refine(
      (name) => !/[\u0000-\u001f\u007f]/.test(name),
      "No control characters.",
    ),
});

export type ProjectInput = z.infer<typeof projectInputSchema>;
