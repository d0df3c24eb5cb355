/** The date every command works with: SOURCE_DATE_EPOCH (reproducible-builds.org) when set to whole seconds, else the clock. */
export function reproducibleNow(env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : now;
}
