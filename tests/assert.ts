/**
 * Assertions for the tests, on `node:assert/strict` (Deno ships it), named
 * as in `@std/assert`, which is on JSR and out of reach here.
 *
 * @module
 */

import nodeAssert from "node:assert/strict";

/** Fails unless `condition` is truthy. */
export function assert(
  condition: unknown,
  message = "assertion failed",
): asserts condition {
  nodeAssert.ok(condition, message);
}

/** Fails unless `actual` and `expected` are deeply equal. */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): asserts actual is T {
  // Without a message node prints a diff; with one, the message and the diff.
  if (message === undefined) nodeAssert.deepStrictEqual(actual, expected);
  else {nodeAssert.deepStrictEqual(
      actual,
      expected,
      `${message}: ${JSON.stringify(actual)} is not ${
        JSON.stringify(expected)
      }`,
    );}
}

/** Fails when `actual` and `expected` are deeply equal. */
export function assertNotEquals(
  actual: unknown,
  expected: unknown,
  message = "values are equal",
): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** Fails unless `actual` matches `pattern`. */
export function assertMatch(
  actual: string,
  pattern: RegExp,
  message?: string,
): void {
  nodeAssert.match(
    actual,
    pattern,
    message ?? `${JSON.stringify(actual)} does not match ${pattern}`,
  );
}

/** Fails when `actual` matches `pattern`. */
export function assertNotMatch(
  actual: string,
  pattern: RegExp,
  message?: string,
): void {
  nodeAssert.doesNotMatch(
    actual,
    pattern,
    message ?? `${JSON.stringify(actual)} matches ${pattern}`,
  );
}

/** Fails unless `fn` throws an instance of `type` whose message includes `includes`. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    nodeAssert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    if (includes !== undefined) {
      nodeAssert.ok(
        error.message.includes(includes),
        `"${error.message}" lacks "${includes}"`,
      );
    }
    return error;
  }
  throw new nodeAssert.AssertionError({
    message: `expected ${type.name} to be thrown`,
  });
}

/** Fails unless `fn`'s promise rejects with an instance of `type`; returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    nodeAssert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    return error;
  }
  throw new nodeAssert.AssertionError({
    message: `expected ${type.name} to be thrown`,
  });
}
