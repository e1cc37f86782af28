/**
 * The byte streams both sides run on. `Deno.Conn`, a TLS connection,
 * `Deno.stdin` (as a {@linkcode ByteReader}) and the in-memory pairs of the
 * tests all have these shapes, so nothing above them can tell one from
 * another.
 *
 * @module
 */

/** Anything with a `read` like `Deno.Conn` or `Deno.stdin`. */
export interface ByteReader {
  /** Reads into `buffer`; resolves to the count read, or null at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/** A connection: bytes both ways, and a way to end it. */
export interface Transport extends ByteReader {
  /** Writes `data`; resolves to the count written (maybe fewer than given). */
  write(data: Uint8Array): Promise<number>;
  /** Closes the connection. */
  close(): void;
}
