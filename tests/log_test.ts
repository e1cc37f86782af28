import { assertEquals } from "./assert.ts";
import { createLogger } from "../lib/shared/log.ts";

const now = () => new Date("2026-01-02T03:04:05.000Z");

Deno.test("text logs are one key=value line, quoting what needs it", () => {
  const lines: string[] = [];
  const log = createLogger({
    format: "text",
    write: (l) => lines.push(l),
    now,
  });
  log("disconnect", {
    peer: "127.0.0.1:5",
    nick: undefined,
    reason: "too slow: x",
  });
  assertEquals(lines, [
    '2026-01-02T03:04:05.000Z disconnect peer=127.0.0.1:5 reason="too slow: x"',
  ]);
});

Deno.test("json logs are one object a line", () => {
  const lines: string[] = [];
  createLogger({ format: "json", write: (l) => lines.push(l), now })(
    "connect",
    { peer: "p" },
  );
  assertEquals(JSON.parse(lines[0]!), {
    time: "2026-01-02T03:04:05.000Z",
    event: "connect",
    peer: "p",
  });
});

Deno.test("off logs nothing", () => {
  const lines: string[] = [];
  createLogger({ format: "off", write: (l) => lines.push(l) })("connect", {});
  assertEquals(lines, []);
});
