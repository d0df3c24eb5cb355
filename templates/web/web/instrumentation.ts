/** Runs once when the server starts: a missing or unsafe setting stops it here, not on the first request. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { serverEnv } = await import("./lib/server/env");
    serverEnv();
  }
}
