/**
 * Tests that need a system tool (PostgreSQL, python3, a shell…) may skip on a laptop without it, with a
 * one-line reason. `.ci/run` installs every such tool and sets SECURE_STACK_REQUIRE_TOOLS=1, under which a
 * missing tool fails the test instead of skipping it.
 */
export const REQUIRE_TOOLS = process.env.SECURE_STACK_REQUIRE_TOOLS === '1';

/** For `it.skipIf(canSkip(!available))`: never skips when tools are required, so the test fails loudly. */
export function canSkip(missing: boolean): boolean {
  return missing && !REQUIRE_TOOLS;
}

/** Inside a test: skip with the reason, or fail when tools are required. */
export function skipOrFail(context: { skip: (note?: string) => void }, reason: string): void {
  if (REQUIRE_TOOLS) throw new Error(`required tool missing (SECURE_STACK_REQUIRE_TOOLS=1): ${reason}`);
  context.skip(reason);
}
