/**
 * Trust on first use for TLS servers: a file of pinned certificate
 * fingerprints, one server a line, as SSH keeps `known_hosts`.
 *
 * The first time the client meets a server it shows the certificate's SHA-256
 * fingerprint and pins it. Every later connection must present the same
 * certificate; a different one is refused with a loud message, because it is
 * what an attacker in the middle would look like.
 *
 * @module
 */

import { ConnectError } from "./connect_errors.ts";
import { fileProblem } from "../shared/file_problems.ts";

/** What checking a fingerprint against the pins found. */
export type PinResult =
  | { kind: "known" }
  | { kind: "new"; file: string }
  | { kind: "changed"; pinned: string; file: string };

/**
 * The known-servers file.
 *
 * @example
 * ```ts
 * const known = new KnownServers("/home/ann/.config/lochat/known_servers");
 * await known.check("chatbox.local:4444", "AB:CD:…"); // { kind: "new", … } the first time
 * ```
 */
export class KnownServers {
  /** The file the pins are kept in. */
  readonly file: string;

  /**
   * Makes a KnownServers.
   *
   * @param file where the pins are kept
   */
  constructor(file: string) {
    this.file = file;
  }

  /** The default file: `$XDG_CONFIG_HOME/lochat/known_servers` or `~/.config/…`. */
  static defaultFile(
    env: { xdgConfigHome?: string | undefined; home?: string | undefined },
  ): string {
    const base = env.xdgConfigHome !== undefined && env.xdgConfigHome !== ""
      ? env.xdgConfigHome
      : `${env.home ?? "."}/.config`;
    return `${base}/lochat/known_servers`;
  }

  /**
   * Checks `fingerprint` for `server` (`host:port`); pins it when the server
   * is new. Never overwrites a pin: a changed one must be removed by hand.
   * A file that cannot be read or written is a {@linkcode ConnectError}
   * that says why.
   */
  async check(server: string, fingerprint: string): Promise<PinResult> {
    try {
      return await this.#check(server, fingerprint);
    } catch (error) {
      throw new ConnectError(
        `Cannot pin the certificate of ${server}: ${
          fileProblem(error, this.file)
        } (--known-servers FILE or XDG_CONFIG_HOME chooses another)`,
      );
    }
  }

  async #check(server: string, fingerprint: string): Promise<PinResult> {
    const pins = await this.#read();
    const pinned = pins.get(server);
    if (pinned === fingerprint) return { kind: "known" };
    if (pinned !== undefined) {
      return { kind: "changed", pinned, file: this.file };
    }
    const dir = this.file.replace(/\/[^/]*$/, "");
    if (dir !== this.file) {
      await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    }
    await Deno.writeTextFile(this.file, `${server} ${fingerprint}\n`, {
      append: true,
      mode: 0o600,
    });
    return { kind: "new", file: this.file };
  }

  async #read(): Promise<Map<string, string>> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return new Map();
      throw error;
    }
    const pins = new Map<string, string>();
    for (const line of text.split("\n")) {
      const [server, fingerprint] = line.trim().split(/\s+/);
      if (server && fingerprint && !server.startsWith("#")) {
        pins.set(server, fingerprint);
      }
    }
    return pins;
  }
}
