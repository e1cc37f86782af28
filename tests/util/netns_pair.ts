/**
 * A private LAN for discovery tests: {@linkcode NetnsPair} makes two network
 * namespaces joined by a veth pair (needs root and iproute2), runs programs
 * inside either one, and deletes both when disposed. Every address it uses
 * lives inside the namespaces; nothing is sent on a real interface.
 *
 * @module
 */

import { Program } from "./program.ts";

/**
 * Two network namespaces joined by a veth pair: two hosts of a private LAN
 * that exists only for the test (needs root). Nothing here touches a real
 * interface; every address is inside the namespaces (netns).
 */
export class NetnsPair implements AsyncDisposable {
  readonly a: string;
  readonly b: string;
  /** The two hosts' addresses on the veth link, inside the netns pair. */
  readonly addressA: string;
  readonly addressB: string;

  private constructor(id: string, subnet: number, ipv6: boolean) {
    this.a = `lochat-a-${id}`;
    this.b = `lochat-b-${id}`;
    const hex = subnet.toString(16);
    // Unique-local IPv6 or private IPv4, inside the netns pair only.
    this.addressA = ipv6
      ? `fd77:${hex}::1`
      : `10.${subnet >> 8}.${subnet & 255}.1`; // netns only
    this.addressB = ipv6
      ? `fd77:${hex}::2`
      : `10.${subnet >> 8}.${subnet & 255}.2`; // netns only
  }

  /** True when this machine lets the tests make namespaces (root, iproute2). */
  static available(): boolean {
    if (Deno.uid() !== 0) return false;
    const probe = `lochat-probe-${crypto.randomUUID().slice(0, 6)}`;
    try {
      const made = new Deno.Command("ip", {
        args: ["netns", "add", probe],
        stderr: "null",
      }).outputSync();
      if (!made.success) return false;
      new Deno.Command("ip", { args: ["netns", "del", probe] }).outputSync();
      return true;
    } catch {
      return false;
    }
  }

  /** Makes the namespaces, the link and the addresses. */
  /** With `ipv6`, the link carries IPv6 only (unique-local addresses). */
  static async create(options: { ipv6?: boolean } = {}): Promise<NetnsPair> {
    const id = crypto.randomUUID().slice(0, 6);
    const ipv6 = options.ipv6 === true;
    const pair = new NetnsPair(id, 1 + Math.floor(Math.random() * 60000), ipv6);
    const prefix = ipv6 ? "64" : "24";
    const family = ipv6 ? ["-6"] : [];
    const noDad = ipv6 ? ["nodad"] : [];
    const vethA = `lva${id}`;
    const vethB = `lvb${id}`;
    const steps = [
      ["netns", "add", pair.a],
      ["netns", "add", pair.b],
      ["link", "add", vethA, "type", "veth", "peer", "name", vethB],
      ["link", "set", vethA, "netns", pair.a],
      ["link", "set", vethB, "netns", pair.b],
      [
        "-n",
        pair.a,
        ...family,
        "addr",
        "add",
        `${pair.addressA}/${prefix}`,
        "dev",
        vethA,
        ...noDad,
      ],
      [
        "-n",
        pair.b,
        ...family,
        "addr",
        "add",
        `${pair.addressB}/${prefix}`,
        "dev",
        vethB,
        ...noDad,
      ],
      ["-n", pair.a, "link", "set", vethA, "up", "multicast", "on"],
      ["-n", pair.b, "link", "set", vethB, "up", "multicast", "on"],
      ["-n", pair.a, "link", "set", "lo", "up"],
      ["-n", pair.b, "link", "set", "lo", "up"],
    ];
    try {
      for (const args of steps) {
        const out = await new Deno.Command("ip", { args, stdin: "null" })
          .output();
        if (!out.success) {
          throw new Error(
            `ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
          );
        }
      }
    } catch (error) {
      await pair[Symbol.asyncDispose]();
      throw error;
    }
    return pair;
  }

  /** Runs `deno run --allow-all FILE ARGS` inside namespace `ns`. */
  run(ns: string, file: string, args: string[], label: string): Program {
    return new Program("ip", [
      "netns",
      "exec",
      ns,
      Deno.execPath(),
      "run",
      "--allow-all",
      file,
      ...args,
    ], { label });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const ns of [this.a, this.b]) {
      await new Deno.Command("ip", {
        args: ["netns", "del", ns],
        stderr: "null",
        stdin: "null",
      }).output();
    }
  }
}
