import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseServerEnv } from "../lib/server/env";

const GOOD = {
  APP_ORIGIN: "https://app.example.com",
  API_BASE_URL: "http://api:8000",
  OIDC_ISSUER: "https://id.example.com/",
  OIDC_CLIENT_ID: "web",
  OIDC_CLIENT_SECRET: "client-secret",
  SESSION_SECRET: "s".repeat(32),
};

test("a complete environment is accepted", () => {
  const env = parseServerEnv(GOOD);
  assert.equal(env.APP_ORIGIN.origin, "https://app.example.com");
  assert.equal(env.SESSION_MAX_AGE_SECONDS, 28_800);
});

test("secrets may come from files", () => {
  const dir = mkdtempSync(join(tmpdir(), "web-env-"));
  writeFileSync(join(dir, "session"), `${"f".repeat(40)}\n`);
  const { SESSION_SECRET: _unused, ...rest } = GOOD;
  assert.equal(
    parseServerEnv({ ...rest, SESSION_SECRET_FILE: join(dir, "session") })
      .SESSION_SECRET,
    "f".repeat(40),
  );
});

const refused: Array<[string, Record<string, string | undefined>, RegExp]> = [
  ["missing session secret", { SESSION_SECRET: undefined }, /SESSION_SECRET/],
  ["short session secret", { SESSION_SECRET: "short" }, /at least 32/],
  [
    "plain-http issuer",
    { OIDC_ISSUER: "http://id.example.com/" },
    /OIDC_ISSUER must use https/,
  ],
  [
    "plain-http public origin",
    { APP_ORIGIN: "http://app.example.com" },
    /APP_ORIGIN must use https/,
  ],
  [
    "origin with a path",
    { APP_ORIGIN: "https://app.example.com/app" },
    /without a path/,
  ],
  [
    "session longer than 12 hours",
    { SESSION_MAX_AGE_SECONDS: "86400" },
    /at most 43200/,
  ],
  [
    "a secret exposed as NEXT_PUBLIC_",
    { NEXT_PUBLIC_API_TOKEN: "x" },
    /NEXT_PUBLIC_API_TOKEN/,
  ],
];

for (const [name, change, message] of refused) {
  test(`refused: ${name}`, () => {
    assert.throws(() => parseServerEnv({ ...GOOD, ...change }), message);
  });
}

test("error messages never print a secret value", () => {
  assert.throws(
    () => parseServerEnv({ ...GOOD, SESSION_SECRET: "hunter2" }),
    (error: Error) => !error.message.includes("hunter2"),
  );
});
