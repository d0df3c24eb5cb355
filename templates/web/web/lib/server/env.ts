import "server-only";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SESSION_MAX_AGE_LIMIT_SECONDS } from "../session-cookie";

/**
 * The only reader of secret environment variables (WEB-02). Validated once, at start-up (instrumentation.ts)
 * and again on first use; a missing or unsafe value stops the server with a message naming the variable.
 * Each secret X may instead come from the file named by X_FILE. Nothing here is NEXT_PUBLIC_ (WEB-03).
 */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export const isLoopback = (url: URL): boolean =>
  LOOPBACK_HOSTS.has(url.hostname);

const webUrl = (name: string, { loopbackHttp }: { loopbackHttp: boolean }) =>
  z.string({ error: `${name} is required` }).transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: `${name} must be an absolute URL`,
      });
      return z.NEVER;
    }
    const allowed =
      url.protocol === "https:" ||
      (url.protocol === "http:" && (loopbackHttp ? isLoopback(url) : true));
    if (!allowed)
      ctx.addIssue({
        code: "custom",
        message: `${name} must use https (http only for localhost)`,
      });
    if (url.username || url.password)
      ctx.addIssue({
        code: "custom",
        message: `${name} must not hold credentials`,
      });
    return url;
  });

const secret = (name: string, minLength: number) =>
  z
    .string({ error: `${name} (or ${name}_FILE) is required` })
    .min(minLength, `${name} must be at least ${minLength} characters`);

const schema = z.object({
  NODE_ENV: z.string().optional(),
  APP_ORIGIN: webUrl("APP_ORIGIN", { loopbackHttp: true }).refine(
    (url) => url.pathname === "/" && !url.search && !url.hash,
    {
      message:
        "APP_ORIGIN must be an origin (scheme://host[:port]) without a path",
    },
  ),
  // The API is reached server to server (e.g. http://api:8000 on the compose network).
  API_BASE_URL: webUrl("API_BASE_URL", { loopbackHttp: false }),
  OIDC_ISSUER: webUrl("OIDC_ISSUER", { loopbackHttp: true }),
  OIDC_CLIENT_ID: z
    .string({ error: "OIDC_CLIENT_ID is required" })
    .min(1, "OIDC_CLIENT_ID is required"),
  OIDC_CLIENT_SECRET: secret("OIDC_CLIENT_SECRET", 1),
  OIDC_SCOPES: z
    .string()
    .default("openid profile projects:read projects:write")
    .refine((scopes) => scopes.split(" ").includes("openid"), {
      message: "OIDC_SCOPES must include openid",
    }),
  SESSION_SECRET: secret("SESSION_SECRET", 32),
  SESSION_MAX_AGE_SECONDS: z.coerce
    .number({ error: "SESSION_MAX_AGE_SECONDS must be a number" })
    .int()
    .min(60, "SESSION_MAX_AGE_SECONDS must be at least 60")
    .max(
      SESSION_MAX_AGE_LIMIT_SECONDS,
      `SESSION_MAX_AGE_SECONDS must be at most ${SESSION_MAX_AGE_LIMIT_SECONDS}`,
    )
    .default(28_800),
});

export type ServerEnv = z.infer<typeof schema>;

const SECRET_NAMES = ["OIDC_CLIENT_SECRET", "SESSION_SECRET"] as const;
const PUBLIC_SECRET_RE = /SECRET|TOKEN|KEY|PASSWORD|PRIVATE/i;

export class ConfigurationError extends Error {}

/** Reads X, or the file named by X_FILE (not both). */
function withFileSecrets(
  source: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = { ...source };
  for (const name of SECRET_NAMES) {
    const file = source[`${name}_FILE`];
    if (file === undefined || file === "") continue;
    if (source[name] !== undefined && source[name] !== "")
      throw new ConfigurationError(
        `configuration error: set ${name} or ${name}_FILE, not both`,
      );
    try {
      values[name] = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch {
      throw new ConfigurationError(
        `configuration error: ${name}_FILE names a file that cannot be read`,
      );
    }
  }
  return values;
}

/** Validates an environment; throws a ConfigurationError naming the first bad variable (never its value). */
export function parseServerEnv(
  source: Record<string, string | undefined>,
): ServerEnv {
  const exposed = Object.keys(source).filter(
    (name) => name.startsWith("NEXT_PUBLIC_") && PUBLIC_SECRET_RE.test(name),
  );
  if (exposed.length > 0) {
    throw new ConfigurationError(
      `configuration error: ${exposed.join(", ")} would be inlined into the browser bundle; secrets must not be NEXT_PUBLIC_`,
    );
  }
  const result = schema.safeParse(withFileSecrets(source));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigurationError(
      `configuration error: ${issue?.message ?? "invalid settings"}`,
    );
  }
  return result.data;
}

let cached: ServerEnv | undefined;

export function serverEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}
