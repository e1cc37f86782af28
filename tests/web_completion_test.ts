/**
 * Tab completion and the input history of the web page's composer, and
 * the small pure helpers of the page: reconnect backoff, the socket's URL,
 * the title.
 */

import { assertEquals } from "./assert.ts";
import { commandWords, complete, cycle } from "../web/completion.ts";
import { InputHistory } from "../web/input_history.ts";
import { TABLE_COMMANDS } from "../web/typed_line.ts";
import { backoffDelay, socketUrl } from "../web/session.ts";
import { badgeText, pageTitle } from "../web/badge.ts";
import { dayOf, mentions } from "../web/conversation.ts";

Deno.test("a nick at the start of a line is completed as an address, further on as a word", () => {
  assertEquals(complete("bo", 2, ["ann", "bob"], [])?.text, "bob: ");
  assertEquals(complete("hi bo", 5, ["ann", "bob"], [])?.text, "hi bob ");
  assertEquals(complete("hi @Bo", 6, ["ann", "bob"], [])?.text, "hi @bob ");
});

Deno.test("a /command at the start of a line is completed from the commands", () => {
  assertEquals(complete("/jo", 3, [], ["join", "j", "who"])?.text, "/join ");
  assertEquals(complete("/zz", 3, [], ["join"]), undefined);
});

Deno.test("commands complete in the order of the command table, not alphabetically: /wh gives /who, /whois, /whisper", () => {
  const words = commandWords(TABLE_COMMANDS);
  const first = complete("/wh", 3, [], words)!;
  assertEquals(first.candidates, ["/who", "/whois", "/whisper"]);
  assertEquals(first.text, "/who ");
  const second = cycle(first.text, first);
  assertEquals(second.text, "/whois ");
  assertEquals(cycle(second.text, second).text, "/whisper ");
  assertEquals(cycle(second.text, second, -1).text, "/who ");
  // A command typed out in full comes first; the page's own /query after /msg.
  assertEquals(complete("/w", 2, [], words)!.candidates, [
    "/w",
    "/who",
    "/whois",
    "/whisper",
  ]);
  assertEquals(complete("/q", 2, [], words)!.candidates, ["/query", "/quit"]);
});

Deno.test("nothing to complete gives undefined: Tab does nothing", () => {
  assertEquals(complete("", 0, ["ann"], ["join"]), undefined);
  assertEquals(complete("hi ", 3, ["ann"], ["join"]), undefined);
  assertEquals(complete("zed", 3, ["ann"], ["join"]), undefined);
});

Deno.test("Tab again cycles through the candidates, keeping the rest of the line", () => {
  const first = complete("a and more", 1, ["ann", "al", "bob"], [])!;
  assertEquals(first.text, "al: and more");
  const second = cycle(first.text, first);
  assertEquals(second.text, "ann: and more");
  assertEquals(cycle(second.text, second).text, "al: and more");
});

Deno.test("the reconnect delay doubles from 250 ms to 10 s, half of it random", () => {
  assertEquals(backoffDelay(0, () => 0), 125);
  assertEquals(backoffDelay(0, () => 1), 250);
  assertEquals(backoffDelay(3, () => 1), 2000);
  assertEquals(backoffDelay(20, () => 0.5), 7500);
});

Deno.test("the socket is the page's own origin, ws or wss as the page", () => {
  assertEquals(
    socketUrl({ protocol: "http:", host: "10.0.0.2:4480" }),
    "ws://10.0.0.2:4480/ws",
  );
  assertEquals(
    socketUrl({ protocol: "https:", host: "box.local:4480" }),
    "wss://box.local:4480/ws",
  );
});

Deno.test("the title carries the unread count, and the favicon's count stops at 99+", () => {
  assertEquals(pageTitle(0, 0, "#lobby"), "#lobby – Lochat");
  assertEquals(pageTitle(4, 0, "#lobby"), "(4) #lobby – Lochat");
  assertEquals(pageTitle(4, 2, undefined), "(4, 2 for you) Lochat");
  assertEquals(badgeText(120), "99+");
});

Deno.test("mentions are whole words; days are local calendar days", () => {
  assertEquals(mentions("ping ann!", "ann"), true);
  assertEquals(mentions("annabel", "ann"), false);
  assertEquals(mentions("x-ann", "ann"), false);
  const noon = new Date(2026, 2, 3, 12).getTime();
  assertEquals(dayOf(noon), "2026-03-03");
});

Deno.test("Up and Down bring back earlier lines and then the line being typed", () => {
  const history = new InputHistory();
  assertEquals(history.up("draft"), undefined);
  history.add("one");
  history.add("two");
  history.add("two");
  assertEquals(history.up("half-typed"), "two");
  assertEquals(history.up("two"), "one");
  assertEquals(history.up("one"), undefined);
  assertEquals(history.down("one"), "two");
  assertEquals(history.down("two"), "half-typed");
  assertEquals(history.down("half-typed"), undefined);
});
