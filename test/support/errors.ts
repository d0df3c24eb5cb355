/** Expecting a thrown error of one class. */
import { expect } from 'vitest';

/** The error of class `type` that `fn` throws; fails the test when `fn` throws nothing or something else. */
export function thrownBy<T extends Error>(type: abstract new (...args: never[]) => T, fn: () => unknown): T {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  return expect.fail(`expected a ${type.name}, but nothing was thrown`);
}
