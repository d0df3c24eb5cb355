import assert from "node:assert/strict";
import { test } from "node:test";
import { unauthenticatedResponse } from "../lib/server/unauthenticated";

test("a 401 deletes the session cookie, so a cookie sealed with a rotated key is not sent again", async () => {
  const response = unauthenticatedResponse();
  assert.equal(response.status, 401);
  assert.equal(response.headers.get("cache-control"), "private, no-store");
  assert.deepEqual(await response.json(), { error: "unauthenticated" });
  const [cleared, ...others] = response.headers.getSetCookie();
  assert.equal(others.length, 0);
  assert.match(cleared ?? "", /^__Host-session=;/);
  for (const attribute of [/Max-Age=0/i, /Path=\//, /Secure/, /HttpOnly/])
    assert.match(cleared ?? "", attribute);
});
