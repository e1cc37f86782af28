import { assert, assertEquals, assertMatch } from "./assert.ts";
import { Admission, normaliseAddress } from "../lib/server/admission.ts";

for (
  const [given, expected] of [
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::FFFF:192.0.2.7", "192.0.2.7"],
    ["::1", "::1"],
    ["FE80::1", "fe80::1"],
    ["2001:db8::ffff:1.2.3.4", "2001:db8::ffff:1.2.3.4"],
  ]
) {
  Deno.test(`normaliseAddress makes ${given} ${expected}`, () => {
    assertEquals(normaliseAddress(given!), expected);
  });
}

/** An admission with small limits; `evictable` guests can be evicted. */
function admission(
  options: { total?: number; perAddress?: number; evictable?: number } = {},
) {
  const banned = new Map<string, string>();
  const asked: string[] = [];
  let evictable = options.evictable ?? 0;
  const gate = new Admission({
    resources: {
      maxConnections: options.total ?? 10,
      maxPerAddress: options.perAddress ?? 10,
    },
    banned: (address) => {
      asked.push(address);
      return banned.get(address);
    },
    evictIdleGuest: () => evictable-- > 0,
  });
  return { gate, banned, asked };
}

Deno.test("admission counts an IPv4-mapped IPv6 address as the IPv4 address, coming and going", () => {
  const { gate } = admission({ perAddress: 2 });
  assert(gate.enter("127.0.0.1").ok);
  assert(gate.enter("::ffff:127.0.0.1").ok);
  const third = gate.enter("::ffff:127.0.0.1");
  assert(!third.ok);
  assertMatch(
    third.reason,
    /Too many connections from your address \(the limit is 2\)/,
  );
  assertEquals(gate.from("127.0.0.1"), 2);
  gate.leave("::ffff:127.0.0.1");
  assertEquals([gate.from("127.0.0.1"), gate.total], [1, 1]);
  assert(gate.enter("127.0.0.1").ok);
});

Deno.test("admission refuses a banned address in either form, and asks about it in one form", () => {
  const { gate, banned, asked } = admission();
  banned.set("192.0.2.7", "banned by boss: spam");
  for (const address of ["192.0.2.7", "::ffff:192.0.2.7"]) {
    const verdict = gate.enter(address);
    assert(!verdict.ok);
    assertEquals(verdict.reason, "Your address is banned by boss: spam");
  }
  assertEquals(asked, ["192.0.2.7", "192.0.2.7"]);
  assertEquals(gate.total, 0, "a refused connection holds nothing");
});

Deno.test("admission makes room on a full server by evicting an idle guest, and refuses only when there is none", () => {
  const { gate } = admission({ total: 2, evictable: 1 });
  assert(gate.enter("192.0.2.1").ok);
  assert(gate.enter("192.0.2.2").ok);
  assert(gate.enter("192.0.2.3").ok, "an idle guest made room");
  const refused = gate.enter("192.0.2.4");
  assert(!refused.ok);
  assertEquals(
    refused.reason,
    "The server is full (2 connections); try again later",
  );
});
