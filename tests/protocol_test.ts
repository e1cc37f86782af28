import { assert, assertEquals } from "./assert.ts";
import {
  decodeClientFrame,
  decodeServerFrame,
  encodeFrame,
  looksLikeFrame,
} from "../lib/shared/protocol.ts";
import { Outgoing } from "../lib/server/outgoing.ts";

Deno.test("a valid hello decodes", () => {
  assertEquals(decodeClientFrame('{"type":"hello","v":1,"nick":"ann"}'), {
    ok: true,
    frame: { type: "hello", v: 1, nick: "ann" },
  });
});

Deno.test("invalid JSON is a bad-frame error that says what to send", () => {
  const decoded = decodeClientFrame('{"type":"msg",');
  assert(!decoded.ok);
  assertEquals(decoded.error.code, "bad-frame");
  assertEquals(
    decoded.error.message,
    "The line is not valid JSON; send one JSON object per line",
  );
});

Deno.test("a frame that is not an object, or has no type, is refused", () => {
  for (const line of ["[1,2]", "42", "null", '{"v":1}', '{"type":7}']) {
    const decoded = decodeClientFrame(line);
    assert(!decoded.ok, line);
    assertEquals(decoded.error.code, "bad-frame");
  }
});

Deno.test("an unknown frame type is refused with the known ones listed", () => {
  const decoded = decodeClientFrame('{"type":"shout","id":"x"}');
  assert(!decoded.ok);
  assertEquals(decoded.error, {
    code: "bad-frame",
    message:
      'Unknown frame type "shout"; expected one of hello, msg, ping, pong, quit',
    id: "x",
  });
});

Deno.test("a missing or mistyped field is named, and the frame's id is kept", () => {
  const missing = decodeClientFrame('{"type":"msg","id":"m1"}');
  assert(!missing.ok);
  assertEquals(missing.error, {
    code: "bad-frame",
    message: 'A "msg" frame needs "text" (string)',
    id: "m1",
  });
  const mistyped = decodeClientFrame('{"type":"msg","id":"m2","text":5}');
  assert(!mistyped.ok);
  assertEquals(
    mistyped.error.message,
    'In a "msg" frame, "text" must be a string',
  );
});

Deno.test("a type named after an Object property is unknown, not a crash", () => {
  const decoded = decodeClientFrame('{"type":"constructor"}');
  assert(!decoded.ok);
  assertEquals(decoded.error.code, "bad-frame");
});

Deno.test("control characters in an unknown type do not reach the error message", () => {
  const decoded = decodeClientFrame('{"type":"\\u001b[31mx"}');
  assert(!decoded.ok);
  assert(!decoded.error.message.includes("\x1b"));
});

Deno.test("server frames decode, with optional fields", () => {
  const decoded = decodeServerFrame(
    '{"type":"delivered","id":"a","count":2,"of":3}',
  );
  assertEquals(decoded, {
    ok: true,
    frame: { type: "delivered", id: "a", count: 2, of: 3 },
  });
  assert(!decodeServerFrame('{"type":"ack","id":"a"}').ok, "ack needs ts");
});

Deno.test("encodeFrame writes one line of JSON", () => {
  assertEquals(
    new TextDecoder().decode(encodeFrame({ type: "ping", t: 1 })),
    '{"type":"ping","t":1}\n',
  );
});

Deno.test("looksLikeFrame tells JSON objects from chat text", () => {
  assert(looksLikeFrame('  {"type":"hello"}'));
  assert(!looksLikeFrame("hello {there}"));
});

Deno.test("an Outgoing frame is encoded once per wire format", () => {
  let calls = 0;
  const out = new Outgoing({ type: "pong" });
  const encode = () => (calls++, new Uint8Array([1]));
  assert(out.bytes(0, encode) === out.bytes(0, encode));
  out.bytes(1, encode);
  assertEquals(calls, 2);
});
