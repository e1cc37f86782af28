/**
 * Who may connect: one budget of connections in total and per address for
 * every listener of the server (native, text, and the web and IRC
 * listeners), banned addresses refused, and room made for a newcomer when
 * the server is full by evicting the longest-idle guest who never said
 * anything.
 *
 * Addresses are compared in one form: an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.7`) is the IPv4 address it maps, so a ban or a limit
 * cannot be dodged by connecting over the other family.
 *
 * @module
 */

import type { ServerLimits } from "./server_limits.ts";

/**
 * The one form of an address: `::ffff:a.b.c.d` becomes `a.b.c.d`; IPv6
 * letters are lower-cased.
 *
 * @example
 * ```ts
 * normaliseAddress("::ffff:127.0.0.1"); // "127.0.0.1"
 * ```
 */
export function normaliseAddress(hostname: string): string {
  const lower = hostname.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped === null ? lower : mapped[1]!;
}

/** What {@linkcode Admission.enter} decided. */
export type Verdict =
  | { ok: true }
  | { ok: false; reason: string; code: "banned" | "full" };

/** Options of {@linkcode Admission}. */
export interface AdmissionOptions {
  /** The limits on connections in total and per address. */
  resources: Pick<ServerLimits, "maxConnections" | "maxPerAddress">;
  /** Why an address is banned, if it is. */
  banned(address: string): string | undefined;
  /**
   * Closes the longest-idle guest who never said anything, to make room;
   * false when there is no such guest.
   */
  evictIdleGuest(): boolean;
}

/**
 * The server's connection budget.
 *
 * @example
 * ```ts
 * const admission = new Admission({ resources, banned: () => undefined, evictIdleGuest: () => false });
 * if (admission.enter("192.0.2.7").ok) {
 *   // … serve, then:
 *   admission.leave("192.0.2.7");
 * }
 * ```
 */
export class Admission {
  #options: AdmissionOptions;
  #perAddress = new Map<string, number>();
  #total = 0;

  /**
   * Makes an Admission.
   *
   * @param options the limits, the ban list and how to evict a guest
   */
  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  /** Connections held now. */
  get total(): number {
    return this.#total;
  }

  /** Connections held now from `address` (normalised). */
  from(address: string): number {
    return this.#perAddress.get(normaliseAddress(address)) ?? 0;
  }

  /**
   * Admits a connection from `address`, or says why not, in words for the
   * person refused. An admitted connection must {@linkcode leave} once.
   */
  enter(address: string): Verdict {
    const key = normaliseAddress(address);
    const { maxConnections, maxPerAddress } = this.#options.resources;
    const banned = this.#options.banned(key);
    if (banned !== undefined) {
      return { ok: false, reason: `Your address is ${banned}`, code: "banned" };
    }
    const count = this.#perAddress.get(key) ?? 0;
    if (count >= maxPerAddress) {
      return {
        ok: false,
        reason:
          `Too many connections from your address (the limit is ${maxPerAddress}); close some and try again`,
        code: "full",
      };
    }
    if (this.#total >= maxConnections && !this.#options.evictIdleGuest()) {
      return {
        ok: false,
        reason:
          `The server is full (${maxConnections} connections); try again later`,
        code: "full",
      };
    }
    this.#perAddress.set(key, count + 1);
    this.#total++;
    return { ok: true };
  }

  /** A connection from `address` has closed. */
  leave(address: string): void {
    const key = normaliseAddress(address);
    const left = (this.#perAddress.get(key) ?? 1) - 1;
    if (left <= 0) this.#perAddress.delete(key);
    else this.#perAddress.set(key, left);
    this.#total = Math.max(0, this.#total - 1);
  }
}
