/**
 * The web page's files, carried in the program and served from memory: the
 * HTML and the styles as they are in `web/`, the script as `deno bundle`
 * made it from `web/app.ts` (`make` builds `dist/web/app.js` before anything
 * that needs it). They are imported as text, so `deno bundle` and
 * `deno compile` put them into `lochat-server` itself.
 *
 * Every answer carries a strict Content Security Policy (scripts and styles
 * from the page's own origin only, no inline script, the WebSocket to the
 * same host only), `nosniff` and `no-referrer`; anything but the page's own
 * files is a bare 404 that tells nothing about the server.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import appJs from "../../../dist/web/app.js" with { type: "text" };
import appCss from "../../../web/app.css" with { type: "text" };
import indexHtml from "../../../web/index.html" with { type: "text" };

/** One file of the page. */
export interface PageFile {
  /** Its `Content-Type`. */
  type: string;
  /** Its bytes. */
  body: Uint8Array;
}

const encoder = new TextEncoder();

/** The page's files by path. */
export const PAGE_FILES: ReadonlyMap<string, PageFile> = new Map([
  ["/", { type: "text/html; charset=utf-8", body: encoder.encode(indexHtml) }],
  [
    "/app.js",
    { type: "text/javascript; charset=utf-8", body: encoder.encode(appJs) },
  ],
  ["/app.css", {
    type: "text/css; charset=utf-8",
    body: encoder.encode(appCss),
  }],
]);

/** The path of the WebSocket. */
export const SOCKET_PATH = "/ws";

/**
 * The Content Security Policy of every answer. `connect-src 'self'` covers
 * the page's own `ws:`/`wss:` origin in current browsers (CSP 3); older ones
 * need the WebSocket's origin spelled out, from the (checked) `Host`.
 *
 * @param host the request's `Host`, when it is a name of this server
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const socket = host === undefined ? "" : ` ws://${host} wss://${host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${socket}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers every answer carries. */
function headers(csp: string): Record<string, string> {
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
  };
}

const NOT_FOUND = encoder.encode("Not found\n");

/**
 * Answers one HTTP request: a file of the page for `GET` or `HEAD` of its
 * path, else 404 (and the connection closed, so that no request body is
 * read).
 *
 * @param request the request
 * @param response its response
 * @param host the request's `Host`, when it is a name of this server
 */
export function answerRequest(
  request: IncomingMessage,
  response: ServerResponse,
  host: string | undefined,
): void {
  const path = (request.url ?? "").split("?")[0]!;
  const method = request.method ?? "";
  const file = method === "GET" || method === "HEAD"
    ? PAGE_FILES.get(path)
    : undefined;
  const csp = contentSecurityPolicy(host);
  if (file === undefined) {
    response.writeHead(404, {
      ...headers(csp),
      "content-type": "text/plain; charset=utf-8",
      "content-length": NOT_FOUND.length,
      connection: "close",
    });
    response.end(method === "HEAD" ? undefined : NOT_FOUND);
    return;
  }
  response.writeHead(200, {
    ...headers(csp),
    "content-type": file.type,
    "content-length": file.body.length,
  });
  response.end(method === "HEAD" ? undefined : file.body);
}
