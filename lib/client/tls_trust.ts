/**
 * The client's TLS connection: verified against a CA file, or trusted on
 * first use with the fingerprint pinned in the known-servers file.
 *
 * Deno's own `Deno.connectTls` always verifies against trust roots and does
 * not show the peer's certificate, so trust on first use goes through
 * `node:tls` (which Deno ships): it can hand over an unverified certificate
 * for us to pin. The socket is wrapped as a `Transport`, so the rest
 * of the client cannot tell TLS from TCP.
 *
 * @module
 */

import tls from "node:tls";
import { errorMessage } from "../shared/errors.ts";
import { NodeSocketTransport } from "../shared/node_socket.ts";
import type { Transport } from "../shared/transport.ts";
import { ConnectError, dialProblem, refusedProblem } from "./connect_errors.ts";
import type { KnownServers } from "./known_servers.ts";
import { GREETING_MS } from "./server_lines.ts";

/** What a TLS handshake that got no answer in time fails with. */
const TLS_SILENT = "TLS_SILENT";

/** How to trust the server. */
export type TlsTrust =
  | { kind: "ca"; ca: string }
  | { kind: "pin"; known: KnownServers; notice: (text: string) => void };

/**
 * Opens a TLS connection to `hostname:port` and checks the server's
 * certificate. Throws a {@linkcode ConnectError} that says what is wrong.
 */
export async function dialTls(
  hostname: string,
  port: number,
  trust: TlsTrust,
): Promise<Transport> {
  const where = `${hostname}:${port}`;
  const socket = tls.connect({
    host: hostname,
    port,
    ...(/^[\d.]+$|:/.test(hostname) ? {} : { servername: hostname }),
    ...(trust.kind === "ca"
      ? { ca: trust.ca, rejectUnauthorized: true }
      : { rejectUnauthorized: false }),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      // A port that accepts and says nothing must not hold the client.
      socket.setTimeout(GREETING_MS, () => reject(new Error(TLS_SILENT)));
      socket.once("secureConnect", () => {
        socket.setTimeout(0);
        resolve();
      });
      socket.once("error", reject);
      socket.once(
        "close",
        () =>
          reject(
            new Error(
              "the server closed the connection during the TLS handshake",
            ),
          ),
      );
    });
  } catch (error) {
    socket.destroy();
    const message = errorMessage(error);
    if (/ECONNREFUSED|refused/i.test(message)) {
      throw new ConnectError(refusedProblem(where));
    }
    if (/ENOTFOUND|EAI_AGAIN|TLS_SILENT/.test(message)) {
      throw new ConnectError(
        message === TLS_SILENT
          ? `${where} did not answer the TLS handshake within ${
            GREETING_MS / 1000
          } s; check --host and --port, and that the server has TLS`
          : dialProblem(error, hostname, port),
      );
    }
    throw new ConnectError(
      `TLS with ${where} failed: ${message}${
        trust.kind === "ca" ? " (checked against --ca)" : ""
      }`,
    );
  }
  if (trust.kind === "pin") {
    const fingerprint = socket.getPeerCertificate().fingerprint256;
    const pin = await trust.known.check(where, fingerprint);
    if (pin.kind === "changed") {
      socket.destroy();
      throw new ConnectError(
        [
          `THE CERTIFICATE OF ${where} HAS CHANGED. Refusing to connect.`,
          `  pinned:    SHA256 ${pin.pinned}`,
          `  presented: SHA256 ${fingerprint}`,
          "Someone may be intercepting the connection, or the server has a new certificate.",
          `If you know the change is genuine, delete the line for ${where} from ${pin.file}.`,
        ].join("\n"),
      );
    }
    if (pin.kind === "new") {
      trust.notice(
        `First TLS connection to ${where}: certificate SHA256 ${fingerprint}, pinned in ${pin.file}. ` +
          "Check it with the server's owner (make cert prints it).",
      );
    }
  }
  return new NodeSocketTransport(socket);
}
