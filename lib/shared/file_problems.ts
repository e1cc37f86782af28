/**
 * Why a file or directory a program needs cannot be used, in words for the
 * person who named it: never Deno's own advice about permission flags (the
 * programs have the permissions they need; Deno refuses system paths such as
 * `/proc` whatever they are). Both programs use it: the client for its
 * known-servers file and `--ca`, the server for `--data-dir`.
 *
 * @module
 */

import { errorMessage } from "./errors.ts";

/**
 * Why `path` cannot be used, from the error using it threw.
 *
 * @example
 * ```ts
 * fileProblem(new Deno.errors.PermissionDenied("denied"), "/etc/lochat");
 * // "/etc/lochat cannot be used: permission denied"
 * ```
 */
export function fileProblem(error: unknown, path: string): string {
  return `${path} cannot be used: ${fileTrouble(error)}`;
}

/**
 * Why `error` keeps a file or directory from being used, in a few words:
 * `permission denied; choose a directory you may write to`.
 */
export function fileTrouble(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return "it is a system path (under /proc, /dev or /sys) that Deno does not let programs write to; choose a directory of your own";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied; choose a directory you may write to";
  }
  if (error instanceof Deno.errors.NotFound) {
    return "no such file or directory";
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return "it is a directory, not a file";
  }
  if (error instanceof Deno.errors.NotADirectory) {
    return "a part of the path is a file, not a directory";
  }
  // Deno's message without its "(os error N)" and the path it repeats.
  return errorMessage(error).replace(/\s*\(os error \d+\).*$/, "");
}
