import "server-only";
import {
  experimental_taintObjectReference,
  experimental_taintUniqueValue,
} from "react";

/**
 * React's taint APIs (WEB-14, `experimental.taint` in next.config.ts): rendering a tainted value or object in a
 * Client Component, or returning it from a Server Action, throws instead of sending it to the browser.
 */
export function taintToken(token: string, owner: object): void {
  experimental_taintUniqueValue(
    "An access token must never be sent to the browser.",
    owner,
    token,
  );
}

export function taintRecord(record: object): void {
  experimental_taintObjectReference(
    "Raw API records must not reach the browser: return a DTO.",
    record,
  );
}
