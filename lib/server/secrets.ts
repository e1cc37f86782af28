/**
 * Comparing secrets without telling an attacker how close a guess came.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";

/**
 * True when `a` and `b` are equal, in time that depends on neither: both are
 * hashed first, so even their lengths do not show.
 *
 * @example
 * ```ts
 * safeEqual("hunter2", "hunter2"); // true
 * ```
 */
export function safeEqual(a: string, b: string): boolean {
  const digest = (text: string) =>
    createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}
