import assert from "node:assert/strict";
import { test } from "node:test";
import { seal, unseal } from "../lib/server/seal";

const SECRET = "x".repeat(40);

test("a sealed value opens with the same secret and purpose", async () => {
  const value = await seal({ sub: "alice" }, SECRET, "session", 60);
  assert.equal((await unseal(value, SECRET, "session"))?.sub, "alice");
  assert.ok(
    !value.includes("alice"),
    "the cookie is encrypted, not just signed",
  );
});

test("tampered, foreign, expired and cross-purpose values are refused", async () => {
  const value = await seal({ sub: "alice" }, SECRET, "session", 60);
  const parts = value.split(".");
  parts[3] = `${parts[3]?.slice(0, -2)}AA`;
  assert.equal(await unseal(parts.join("."), SECRET, "session"), null);
  assert.equal(await unseal(value, "y".repeat(40), "session"), null);
  assert.equal(await unseal(value, SECRET, "login"), null);
  assert.equal(
    await unseal(
      await seal({ sub: "alice" }, SECRET, "session", -10),
      SECRET,
      "session",
    ),
    null,
  );
  assert.equal(await unseal(undefined, SECRET, "session"), null);
  assert.equal(await unseal("not-a-jwe", SECRET, "session"), null);
});
