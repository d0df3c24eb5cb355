import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { projectInputSchema } from "../lib/schemas";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory())
      return ["node_modules", ".next", "test"].includes(entry.name)
        ? []
        : sources(full);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith(".d.ts")
      ? [full]
      : [];
  });
}

const ALL = sources(ROOT);
const text = (file: string) => readFileSync(file, "utf8");

test('every server module starts with import "server-only"', () => {
  const server = ALL.filter((file) =>
    relative(ROOT, file).startsWith("lib/server/"),
  );
  assert.ok(server.length > 0);
  for (const file of server)
    assert.match(
      text(file),
      /^import ['"]server-only['"];/,
      relative(ROOT, file),
    );
});

test("no client component imports the server layer", () => {
  for (const file of ALL.filter((f) =>
    /^\s*['"]use client['"]/.test(text(f)),
  )) {
    assert.doesNotMatch(text(file), /lib\/server\//, relative(ROOT, file));
  }
});

test("secret environment variables are read only in lib/server/ and next.config.ts", () => {
  for (const file of ALL) {
    const path = relative(ROOT, file);
    if (path.startsWith("lib/server/") || path === "next.config.ts") continue;
    assert.doesNotMatch(
      text(file),
      /process\.env\.(?!NODE_ENV|NEXT_RUNTIME)/,
      path,
    );
  }
});

test("proxy.ts, not the deprecated middleware.ts", () => {
  assert.ok(existsSync(join(ROOT, "proxy.ts")));
  assert.ok(!existsSync(join(ROOT, "middleware.ts")));
});

test("no token in web storage", () => {
  for (const file of ALL)
    assert.doesNotMatch(
      text(file),
      /localStorage|sessionStorage/,
      relative(ROOT, file),
    );
});

test("project input is a strict, bounded object", () => {
  assert.equal(projectInputSchema.parse({ name: "  Apollo " }).name, "Apollo");
  for (const bad of [
    {},
    { name: "" },
    { name: "x".repeat(201) },
    { name: "a\u0000b" },
    { name: "ok", tenant_id: "other" },
    { name: 42 },
  ]) {
    assert.equal(
      projectInputSchema.safeParse(bad).success,
      false,
      JSON.stringify(bad),
    );
  }
});
