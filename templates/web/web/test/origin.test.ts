import assert from "node:assert/strict";
import { test } from "node:test";
import { isSameOrigin } from "../lib/origin";

const APP = "https://app.example.com";

test("the app origin is accepted", () => {
  assert.equal(isSameOrigin("https://app.example.com", APP), true);
});

test("foreign, look-alike, missing and opaque origins are refused", () => {
  for (const origin of [
    "https://evil.example",
    "http://app.example.com",
    "https://app.example.com.evil.example",
    "https://app.example.com:8443",
    "https://sub.app.example.com",
    "https://app.example.com/",
    "null",
    "",
    "not a url",
    null,
  ]) {
    assert.equal(isSameOrigin(origin, APP), false, String(origin));
  }
});
