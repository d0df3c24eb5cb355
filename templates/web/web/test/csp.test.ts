import assert from "node:assert/strict";
import { test } from "node:test";
import { contentSecurityPolicy, createNonce } from "../lib/csp";

const directives = (policy: string) =>
  new Map(
    policy
      .split("; ")
      .map((d) => [d.split(" ")[0], d.split(" ").slice(1)] as const),
  );

test("every request gets a different 128-bit nonce", () => {
  const nonces = new Set(Array.from({ length: 100 }, createNonce));
  assert.equal(nonces.size, 100);
  for (const nonce of nonces)
    assert.equal(Buffer.from(nonce, "base64").length, 16);
});

test("production policy: nonce + strict-dynamic scripts, no unsafe-inline or unsafe-eval", () => {
  const policy = directives(
    contentSecurityPolicy("AAAAAAAAAAAAAAAAAAAAAA==", false),
  );
  assert.deepEqual(policy.get("script-src"), [
    "'self'",
    "'nonce-AAAAAAAAAAAAAAAAAAAAAA=='",
    "'strict-dynamic'",
  ]);
  assert.deepEqual(policy.get("object-src"), ["'none'"]);
  assert.deepEqual(policy.get("base-uri"), ["'self'"]);
  assert.deepEqual(policy.get("form-action"), ["'self'"]);
  assert.deepEqual(policy.get("frame-ancestors"), ["'none'"]);
  assert.ok(policy.has("report-to") && policy.has("report-uri"));
  assert.ok(![...policy.values()].flat().includes("'unsafe-inline'"));
});

test("'unsafe-eval' only in development", () => {
  assert.ok(
    contentSecurityPolicy("AAAAAAAAAAAAAAAAAAAAAA==", true).includes(
      "'unsafe-eval'",
    ),
  );
  assert.ok(
    !contentSecurityPolicy("AAAAAAAAAAAAAAAAAAAAAA==", false).includes(
      "'unsafe-eval'",
    ),
  );
});

test("a nonce that could break out of the header is refused", () => {
  assert.throws(() => contentSecurityPolicy("x'; script-src *", false));
});
