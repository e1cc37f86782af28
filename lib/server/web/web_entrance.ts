/**
 * The web entrance: an HTTP (or HTTPS) listener that serves the page from
 * memory and takes its WebSocket at {@linkcode SOCKET_PATH}, each upgraded
 * WebSocket then served by a {@linkcode Session} of native frames only,
 * exactly as a native client is.
 *
 * Built on `node:http` and npm `ws`, not `Deno.serve`: `ws` refuses a
 * message over `maxPayload` from its frame header (Deno's WebSocket takes a
 * 60 MiB message whole), pauses reading (`Deno.upgradeWebSocket` cannot),
 * and `node:http` shows each TCP connection before anything is read from it.
 *
 * What each connection goes through:
 *
 * - at accept, before any byte is read (before the TLS handshake): a bound
 *   on the sockets of one address and in all ({@linkcode socketBudget}),
 *   for page loads and upgrades alike, and a time limit on a socket that
 *   says nothing;
 * - a request: a file of the page, or 404 ({@linkcode answerRequest});
 * - an upgrade at `/ws` whose `Host` is a name of this server and whose
 *   `Origin` is the page's own ({@linkcode upgradeRefusal}): 403 else. Then
 *   it is one `Accepted` of this entrance's {@linkcode Listener}, admitted
 *   by the server's one admission (connections per address and in total,
 *   bans) like any other; a refused one is told why in a `bye` frame.
 *
 * @module
 */

import type { Buffer } from "node:buffer";
import http from "node:http";
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { errorMessage } from "../../shared/errors.ts";
import type { ProtocolLimits } from "../../shared/limits.ts";
import type { Logger } from "../../shared/log.ts";
import { encodeFrame } from "../../shared/protocol.ts";
import type { Transport } from "../../shared/transport.ts";
import { normaliseAddress } from "../admission.ts";
import type { Entrance, Served } from "../entrance.ts";
import {
  type Accepted,
  checkPem,
  type Listener,
  tlsHandshake,
} from "../listeners.ts";
import type { ServerContext } from "../server_context.ts";
import type { ServerLimits } from "../server_limits.ts";
import { type Peer, Session } from "../session.ts";
import { hostAllowed, upgradeRefusal } from "./origin.ts";
import { answerRequest, SOCKET_PATH } from "./page.ts";
import { WebSocketTransport } from "./ws_transport.ts";

/** The web port when none is given (`--web-port`). */
export const DEFAULT_WEB_PORT = 4480;

/**
 * Sockets one address may hold beside its admitted WebSockets: a browser
 * loads a page over up to six connections at once.
 */
export const PAGE_SOCKETS = 6;

/** How long `ws` waits for the peer's answer to a close, in ms. */
const CLOSE_TIMEOUT_MS = 2000;

/** Options of a {@linkcode WebEntrance}. */
export interface WebOptions {
  /** Address to listen on (the server's `--host`). */
  hostname: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** PEM certificate and key: HTTPS and WSS. */
  tls?: { cert: string; key: string } | undefined;
  /** The protocol limits (the line limit bounds a message). */
  limits: ProtocolLimits;
  /** The server's limits (connections per address and in all, timeouts). */
  resources: ServerLimits;
  /** The machine's names a browser may use in `Host` (IP literals always). */
  names: readonly string[];
  /** Where log lines go. */
  log: Logger;
}

/**
 * The sockets one address, and everyone, may hold open on the web port:
 * the admitted WebSockets plus {@linkcode PAGE_SOCKETS} for page loads.
 */
export function socketBudget(
  resources: Pick<ServerLimits, "maxConnections" | "maxPerAddress">,
): { perAddress: number; total: number } {
  return {
    perAddress: resources.maxPerAddress + PAGE_SOCKETS,
    total: resources.maxConnections + 8 * PAGE_SOCKETS,
  };
}

/**
 * The web page's entrance to the chat server.
 *
 * @example
 * ```ts
 * const web = new WebEntrance({ hostname: "0.0.0.0", port: 4480, limits, resources, names: ["lanbox"], log });
 * const server = await ChatServer.start({ ...options, entrances: [web] });
 * server.entranceAddress("web"); // { hostname: "0.0.0.0", port: 4480 }
 * ```
 */
export class WebEntrance implements Entrance {
  /** Its name in logs. */
  readonly name = "web";
  /** The flag that sets its port. */
  readonly portFlag = "--web-port";
  /** Where it listens. */
  readonly hostname: string;
  /** Its port; 0 picks a free one. */
  readonly port: number;
  #options: WebOptions;

  /**
   * Makes a WebEntrance; nothing is bound until {@linkcode listen}.
   *
   * @param options where to listen, TLS, the limits
   */
  constructor(options: WebOptions) {
    this.#options = options;
    this.hostname = options.hostname;
    this.port = options.port;
  }

  /** `http` or `https`. */
  get scheme(): "http" | "https" {
    return this.#options.tls === undefined ? "http" : "https";
  }

  /** Binds the listener; rejects with what `listen` failed with. */
  listen(): Promise<Listener> {
    return listenWeb(this.#options, this.scheme);
  }

  /** A session of native frames only, with every limit of a native one. */
  serve(transport: Transport, context: ServerContext, peer: Peer): Served {
    return new Session(transport, context, peer, { wire: "native" });
  }

  /** Tells a refused page why, in a `bye` frame. */
  async refuse(
    transport: Transport,
    reason: string,
    code: string,
  ): Promise<void> {
    await transport.write(
      encodeFrame({ type: "bye", reason, code: code as "full" | "banned" }),
    );
  }
}

/** What is known of a socket from its accept. */
interface SocketInfo {
  peer: string;
  address: string;
  /** The plain socket, to pause (under TLS, the one beneath). */
  flow: net.Socket;
}

async function listenWeb(
  options: WebOptions,
  scheme: "http" | "https",
): Promise<Listener> {
  const { limits, resources, names, log } = options;
  const secureContext = options.tls === undefined ? undefined : (() => {
    checkPem(options.tls);
    return tls.createSecureContext(options.tls);
  })();
  const timeoutMs = resources.handshakeTimeout * 1000;
  const budget = socketBudget(resources);
  const perAddress = new Map<string, number>();
  let total = 0;
  /** Sockets not (yet) a WebSocket's: closed with the listener. */
  const open = new Set<Duplex>();
  const info = new WeakMap<Duplex, SocketInfo>();
  const waiting: Accepted[] = [];
  let wake: (() => void) | undefined;
  let closed = false;

  const maxPayload = limits.lineBytes - 1;
  const tooLong =
    `A message longer than ${maxPayload} bytes was refused (the line limit is ${limits.lineBytes} bytes)`;
  /** ws closes with 1009 and no reason when a message is over the limit: give it one. */
  class LimitedWebSocket extends WebSocket {
    override close(code?: number, data?: string | Uint8Array): void {
      if (code === 1009 && data === undefined) super.close(code, tooLong);
      else super.close(code, data as string | undefined);
    }
  }
  const wss = new WebSocketServer(
    {
      noServer: true,
      maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
      WebSocket: LimitedWebSocket,
      // In ws 8.23.0, not yet in @types/ws.
      closeTimeout: CLOSE_TIMEOUT_MS,
    } as ConstructorParameters<typeof WebSocketServer>[0],
  );

  const server = http.createServer({ maxHeaderSize: 8192 }, (req, res) => {
    const host = req.headers.host;
    answerRequest(
      req,
      res,
      host !== undefined && hostAllowed(host, names) ? host : undefined,
    );
  });
  server.headersTimeout = timeoutMs;
  server.requestTimeout = timeoutMs;
  server.keepAliveTimeout = 5000;

  /** At accept: within the budget, or destroyed before anything is read. */
  const admit = (socket: net.Socket, flow: net.Socket): boolean => {
    const remote = flow.remoteAddress ?? "unknown";
    const address = normaliseAddress(remote);
    const count = perAddress.get(address) ?? 0;
    if (closed || count >= budget.perAddress || total >= budget.total) {
      flow.destroy();
      return false;
    }
    perAddress.set(address, count + 1);
    total++;
    flow.once("close", () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
      total--;
      open.delete(socket);
    });
    flow.setNoDelay(true);
    // A socket that says nothing goes; a WebSocket's is the session's.
    flow.setTimeout(timeoutMs, () => flow.destroy());
    info.set(socket, {
      peer: `${remote}:${flow.remotePort}`,
      address,
      flow,
    });
    open.add(socket);
    return true;
  };

  let tlsServer: net.Server | undefined;
  if (secureContext === undefined) {
    server.on("connection", (socket: net.Socket) => admit(socket, socket));
  } else {
    tlsServer = net.createServer((socket) => {
      if (!admit(socket, socket)) return;
      tlsHandshake(socket, secureContext, timeoutMs, ["http/1.1"]).then(
        (secure) => {
          open.delete(socket);
          const known = info.get(socket)!;
          info.set(secure, known);
          open.add(secure);
          secure.once("close", () => open.delete(secure));
          server.emit("connection", secure);
        },
        () => {}, // Destroyed; nothing to tell a socket that spoke no TLS.
      );
    });
  }

  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head) => {
    const known = info.get(socket);
    if (known === undefined) {
      socket.destroy();
      return;
    }
    const path = (req.url ?? "").split("?")[0];
    if (path !== SOCKET_PATH) return deny(socket, 404, "Not Found");
    const refusal = upgradeRefusal(req.headers, scheme, names);
    if (refusal !== undefined) {
      log("refuse", { peer: known.peer, reason: `web: ${refusal}` });
      return deny(socket, 403, "Forbidden");
    }
    open.delete(socket);
    known.flow.setTimeout(0);
    waiting.push({
      peer: known.peer,
      address: known.address,
      // Under TLS, the plain socket beneath is what must stop reading.
      open: (ms) =>
        upgrade(
          wss,
          req,
          socket,
          head,
          known.flow === socket ? undefined : known.flow,
          ms,
        ),
      close: () => socket.destroy(),
    });
    wake?.();
  });

  const listening = tlsServer ?? server;
  await new Promise<void>((resolve, reject) => {
    listening.once("error", reject);
    listening.listen({ host: options.hostname, port: options.port }, () => {
      listening.off("error", reject);
      resolve();
    });
  });
  listening.on(
    "error",
    (error) => log("web-error", { error: errorMessage(error) }),
  );
  const bound = listening.address() as net.AddressInfo;
  return {
    address: { hostname: bound.address, port: bound.port },
    async accept() {
      while (waiting.length === 0) {
        if (closed) return undefined;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      return waiting.shift()!;
    },
    close() {
      closed = true;
      wake?.();
      for (const accepted of waiting.splice(0)) accepted.close();
      for (const socket of open) socket.destroy();
      open.clear();
      // The port is free once the listening socket is closed; the
      // WebSockets' sockets are their sessions' to close.
      return new Promise((resolve) => {
        listening.close(() => {});
        setTimeout(resolve, 0);
      });
    },
  };
}

/** Refuses an upgrade with a bare status, and drops the socket. */
function deny(socket: Duplex, status: number, text: string): void {
  // Nothing reads an upgrade's socket: end() alone would leave it half-open.
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    () => socket.destroy(),
  );
}

/** Completes a WebSocket upgrade, in time or not at all. */
function upgrade(
  wss: WebSocketServer,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Uint8Array,
  flow: net.Socket | undefined,
  timeoutMs: number,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(new Error("the browser left before its WebSocket opened"));
      return;
    }
    // ws answers a bad upgrade (400) and destroys the socket itself.
    const onClose = () => {
      clearTimeout(timer);
      reject(new Error("not a valid WebSocket upgrade"));
    };
    const timer = setTimeout(() => {
      socket.off("close", onClose);
      socket.destroy();
      reject(new Error(`no WebSocket within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once("close", onClose);
    wss.handleUpgrade(req, socket, head as Buffer, (ws) => {
      clearTimeout(timer);
      socket.off("close", onClose);
      resolve(new WebSocketTransport(ws, flow));
    });
  });
}
