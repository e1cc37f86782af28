/**
 * Where connections come from: a plain TCP listener (`Deno.listen`) and a
 * TLS one (`node:net` and `node:tls`), behind one {@linkcode Listener} shape.
 *
 * An accepted connection is admitted (or refused) before anything is read
 * from it, and only then opened: for TLS that is the handshake, bounded in
 * time, and a connection that does not finish it is closed there and then.
 * (Deno's own TLS listener cannot do that: closing a connection whose
 * handshake has not finished leaves the socket open until the peer leaves.)
 * A TLS listener given a `plainAnswer` looks at the first bytes first: a
 * client that speaks plain text to it is answered in plain text (a few
 * hundred bytes at most) and closed, instead of getting only a TLS alert.
 *
 * @module
 */

import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { errorMessage } from "../shared/errors.ts";
import { type Flow, NodeSocketTransport } from "../shared/node_socket.ts";
import type { Transport } from "../shared/transport.ts";
import { normaliseAddress } from "./admission.ts";

/** A connection accepted, not yet admitted or opened. */
export interface Accepted {
  /** Who the peer is, for logs: `127.0.0.1:51234`. */
  readonly peer: string;
  /** The peer's address in its one form, for limits and bans. */
  readonly address: string;
  /**
   * Opens the connection (the TLS handshake, for TLS) within `timeoutMs`.
   * Rejects with a reason for the log when it cannot; the socket is closed.
   */
  open(timeoutMs: number): Promise<Transport>;
  /** Closes the connection without opening it. */
  close(): void;
}

/** A source of connections. */
export interface Listener {
  /** Where it listens. */
  readonly address: { hostname: string; port: number };
  /** The next connection, or undefined once the listener is closed. */
  accept(): Promise<Accepted | undefined>;
  /** Stops listening; resolves once the port is free. */
  close(): Promise<void>;
}

/**
 * Listens on plain TCP. Throws what `Deno.listen` throws (the caller words
 * it for people).
 */
export function listenTcp(hostname: string, port: number): Listener {
  const listener = Deno.listen({ hostname, port });
  const addr = listener.addr as Deno.NetAddr;
  let closed = false;
  return {
    address: { hostname: addr.hostname, port: addr.port },
    async accept() {
      while (!closed) {
        let conn: Deno.TcpConn;
        try {
          conn = await listener.accept();
        } catch (error) {
          if (closed || error instanceof Deno.errors.BadResource) break;
          continue; // A connection that failed while being accepted.
        }
        conn.setNoDelay(true);
        conn.setKeepAlive(true);
        const remote = conn.remoteAddr as Deno.NetAddr;
        return {
          peer: `${remote.hostname}:${remote.port}`,
          address: normaliseAddress(remote.hostname),
          open: () => Promise.resolve(conn),
          close: () => closeQuietly(conn),
        };
      }
      return undefined;
    },
    close() {
      closed = true;
      closeQuietly(listener);
      return Promise.resolve();
    },
  };
}

/**
 * Listens for TLS with a PEM certificate and key. Resolves once listening;
 * rejects with what went wrong (a bad certificate or key, a port in use).
 */
export async function listenTls(
  hostname: string,
  port: number,
  pem: { cert: string; key: string },
  options: {
    /** What a client speaking plain text is told before it is closed. */
    plainAnswer?: (() => string) | undefined;
  } = {},
): Promise<Listener> {
  // Parsed here, so that a bad pair fails at start, not per client.
  checkPem(pem);
  const context = tls.createSecureContext(pem);
  const server = net.createServer({ pauseOnConnect: false });
  const waiting: net.Socket[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  server.on("connection", (socket) => {
    waiting.push(socket);
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  return {
    address: { hostname: bound.address, port: bound.port },
    async accept() {
      while (waiting.length === 0) {
        if (closed) return undefined;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      const socket = waiting.shift()!;
      socket.setNoDelay(true);
      socket.setKeepAlive(true);
      const hostname = socket.remoteAddress ?? "unknown";
      return {
        peer: `${hostname}:${socket.remotePort}`,
        address: normaliseAddress(hostname),
        open: (timeoutMs) =>
          options.plainAnswer === undefined
            ? handshake(socket, context, timeoutMs)
            : lookFirst(socket, context, timeoutMs, options.plainAnswer),
        close: () => socket.destroy(),
      };
    },
    close() {
      closed = true;
      wake?.();
      for (const socket of waiting.splice(0)) socket.destroy();
      // The port is free once the listening socket is closed. `close`'s own
      // callback waits for every accepted connection to end as well, and
      // those are their sessions' to close (shutdown closes them after this).
      return new Promise((resolve) => {
        server.close(() => {});
        setTimeout(resolve, 0);
      });
    },
  };
}

/** Runs the server side of a TLS handshake on `socket`, in time or not at all. */
async function handshake(
  socket: net.Socket,
  secureContext: tls.SecureContext,
  timeoutMs: number,
): Promise<Transport> {
  const secure = await tlsHandshake(socket, secureContext, timeoutMs);
  return new NodeSocketTransport(secure, { flow: socket });
}

/** The most bytes of a plain-text answer on a TLS port. */
const PLAIN_ANSWER_BYTES = 400;

/**
 * Opens a connection to a TLS port that answers plain text: the first
 * bytes decide. A TLS client's start with a handshake record (0x16), and
 * the handshake runs on them; a printable first byte is plain text (an IRC
 * client's `CAP LS`), answered with `answer()` (cut to
 * {@linkcode PLAIN_ANSWER_BYTES}) and closed.
 */
function lookFirst(
  socket: net.Socket,
  secureContext: tls.SecureContext,
  timeoutMs: number,
  answer: () => string,
): Promise<Transport> {
  const started = Date.now();
  return new Promise<Uint8Array>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.destroy();
      reject(new Error(reason));
    };
    const timer = setTimeout(
      () => fail(`no TLS handshake within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    const onData = (chunk: Uint8Array) => {
      clearTimeout(timer);
      socket.off("close", onClose);
      socket.pause();
      resolve(chunk);
    };
    const onClose = () => fail("the client left during the TLS handshake");
    socket.once("data", onData);
    socket.once("close", onClose);
  }).then((first) => {
    const byte = first[0]!;
    if (byte >= 0x20 && byte < 0x7f) {
      const bytes = new TextEncoder().encode(answer());
      // What it sends meanwhile is read and dropped: unread bytes would make
      // the close a reset, which can lose the answer on its way.
      socket.on("data", () => {});
      socket.resume();
      socket.end(bytes.subarray(0, PLAIN_ANSWER_BYTES));
      const timer = setTimeout(() => socket.destroy(), 1000);
      socket.once("close", () => clearTimeout(timer));
      throw new Error(
        "the client spoke plain text to the TLS port (told so in plain text)",
      );
    }
    const { stream, flow } = replayed(socket, first);
    const left = Math.max(1, timeoutMs - (Date.now() - started));
    return tlsHandshake(stream as net.Socket, secureContext, left).then(
      (secure) => new NodeSocketTransport(secure, { flow }),
      (error) => {
        socket.destroy();
        throw error;
      },
    );
  });
}

/**
 * `socket` as a stream that gives `first` (the bytes already read) before
 * the rest, for the TLS layer; and its {@linkcode Flow}: the socket reads
 * only while both the reader above and the TLS layer want more.
 */
function replayed(
  socket: net.Socket,
  first: Uint8Array,
): { stream: Duplex; flow: Flow } {
  let held = false;
  let full = false;
  const update = () => {
    if (held || full) socket.pause();
    else socket.resume();
  };
  const stream = new Duplex({
    read() {
      full = false;
      update();
    },
    write(data, _encoding, done) {
      socket.write(data, done);
    },
    final(done) {
      socket.end();
      done();
    },
    destroy(error, done) {
      socket.destroy();
      done(error);
    },
  });
  stream.push(first);
  socket.on("data", (data: Uint8Array) => {
    if (!stream.push(data)) {
      full = true;
      update();
    }
  });
  socket.on("end", () => stream.push(null));
  socket.on("close", () => stream.destroy());
  socket.on("error", (error) => stream.destroy(error));
  const flow: Flow = {
    pause: () => {
      held = true;
      update();
    },
    resume: () => {
      held = false;
      update();
    },
    isPaused: () => held,
  };
  return { stream, flow };
}

/**
 * Runs the server side of a TLS handshake on `socket`, in time or not at
 * all; rejects with a reason for the log (and both sockets destroyed).
 *
 * @param socket the plain socket
 * @param secureContext the certificate and key
 * @param timeoutMs how long the handshake may take
 * @param alpn the application protocols offered (the web page: `http/1.1`)
 */
export function tlsHandshake(
  socket: net.Socket,
  secureContext: tls.SecureContext,
  timeoutMs: number,
  alpn?: string[],
): Promise<tls.TLSSocket> {
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext,
    ...(alpn === undefined ? {} : { ALPNProtocols: alpn }),
  });
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      reject(new Error(reason));
    };
    const timer = setTimeout(
      () => fail(`no TLS handshake within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    secure.once("secure", () => {
      clearTimeout(timer);
      secure.off("error", onError);
      resolve(secure);
    });
    const onError = (error: Error) => {
      const message = errorMessage(error);
      fail(
        /InvalidContentType|corrupt message|wrong version|http request|unknown protocol/i
            .test(message)
          ? "the client spoke plain text to the TLS port (it needs --tls)"
          : message,
      );
    };
    secure.once("error", onError);
    secure.once(
      "close",
      () => fail("the client left during the TLS handshake"),
    );
  });
}

/** Throws what is wrong with a PEM certificate and key, if anything. */
export function checkPem(pem: { cert: string; key: string }): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem.cert);
  } catch (error) {
    throw new Error(
      `the certificate is not a PEM certificate (${errorMessage(error)})`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.key);
  } catch (error) {
    throw new Error(
      `the key is not a PEM private key (${errorMessage(error)})`,
    );
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new Error("the key does not belong to the certificate");
  }
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
