/**
 * The web page in a real browser (Debian's headless Chromium) against the
 * real server, on what a new user tripped over: a line refused before
 * sending stays in the box and in the history; the person's own line is
 * shown as the server cleaned it, isolated, with its tick after it; a
 * private message gets the same tick whichever way it is typed, and
 * answering reads the conversation; the join dialog speaks for the page
 * (the password, a taken nick); Tab never throws the focus out of the
 * message box and completes commands in the table's order; long room
 * names are never cut; the "Here" panel shows the other person of a
 * private conversation.
 *
 * Skipped, with a message, where Chromium is missing.
 */

import { assert, assertEquals } from "./assert.ts";
import {
  Browser,
  SKIP_REASON,
  startWebServer,
  type WebPage,
} from "./util/browser.ts";
import { RawPeer } from "./util/raw_peer.ts";

const skip = SKIP_REASON !== undefined;

/** The bounding box of the first element matching `selector`. */
function box(
  page: WebPage,
  selector: string,
): Promise<{ left: number; right: number; top: number; bottom: number }> {
  return page.eval(
    `(() => { const r = document.querySelector(${
      JSON.stringify(selector)
    }).getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; })()`,
  );
}

/** The texts of the "Here" list. */
function here(page: WebPage): Promise<string[]> {
  return page.texts("#member-list .member");
}

Deno.test({
  name:
    "a line refused before sending stays in the message box and in the history, and its red line has no space under it",
  ignore: skip,
  async fn() {
    const { server, url } = await startWebServer();
    await using _server = server;
    await using browser = await Browser.launch();
    const ann = await browser.open(url);
    await ann.join("ann", ["lobby"]);
    await ann.say("a short one");
    await ann.waitForTick("a short one", "✓ no one else here");
    assertEquals(await ann.composerText(), "");

    const long = "x".repeat(2250);
    await ann.sayAtOnce(long);
    await ann.waitForMessage(
      "Not sent: The message is 2250 characters; the limit is 2000. Split it into several messages",
    );
    assertEquals(await ann.composerText(), long, "the text is kept");
    assertEquals(
      await ann.eval<string>(
        `getComputedStyle(document.querySelector("#messages li.problem")).marginBottom`,
      ),
      "0px",
    );
    // Emptied by hand, it comes back with Up; Up again, the line before.
    await ann.eval(`document.getElementById("text").value = ""`);
    await ann.page.keyboard.press("ArrowUp");
    assertEquals(await ann.composerText(), long);
    await ann.page.keyboard.press("ArrowUp");
    assertEquals(await ann.composerText(), "a short one");
    await ann.page.keyboard.press("ArrowDown");
    await ann.page.keyboard.press("ArrowDown");
    assertEquals(await ann.composerText(), "");
    // A line said where it cannot be is kept too.
    await ann.openConversation("#lobby");
    await ann.say("/part");
    await ann.waitForMessage("ann left #lobby");
    await ann.say("still here?");
    await ann.waitForMessage("Not sent: You left #lobby");
    assertEquals(await ann.composerText(), "still here?");
    assertEquals(ann.errors, []);
  },
});

Deno.test({
  name:
    "the person's own line is shown as the server cleaned it, isolated, with its tick after it; a /msg from a room gets its tick in the private conversation, /r reads it, and Here shows the other person",
  ignore: skip,
  async fn() {
    const { server, url } = await startWebServer();
    await using _server = server;
    await using bob = await RawPeer.inRooms(server.port, "bob", ["lobby"]);
    await using browser = await Browser.launch();
    const ann = await browser.open(url);
    await ann.join("ann", ["lobby", "games"]);
    await ann.openConversation("#lobby");

    await ann.sayAtOnce("\u202eevil override");
    await ann.waitForTick("evil override", "✓✓ 1/1");
    const seen = await bob.frame((f) => f.type === "msg" && f.from === "ann");
    assertEquals(seen.type === "msg" && seen.text, "evil override");
    await ann.sayAtOnce("zero\u200bwidth");
    await ann.waitForTick("zerowidth", "✓✓ 1/1");
    await ann.sayAtOnce("\u05e9\u05dc\u05d5\u05dd 123!");
    await ann.waitForTick("\u05e9\u05dc\u05d5\u05dd 123!", "✓✓ 1/1");
    for (const text of ["evil override", "\u05e9\u05dc\u05d5\u05dd 123!"]) {
      const [textBox, tickBox] = await ann.eval<
        { left: number; right: number }[]
      >(
        `(() => { const li = [...document.querySelectorAll("#messages li.own")].find((li) => li.querySelector(".text").textContent === ${
          JSON.stringify(text)
        }); return [li.querySelector(".text"), li.querySelector(".tick")].map((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right }; }); })()`,
      );
      assert(
        tickBox!.left >= textBox!.right,
        `the tick after ${text}: ${JSON.stringify([textBox, tickBox])}`,
      );
    }
    assertEquals(
      await ann.eval<string[]>(
        `[...document.querySelectorAll("#messages li.own")].flatMap((li) => [li.querySelector(".from bdi")?.tagName, li.querySelector(".text").tagName])`,
      ),
      ["BDI", "BDI", "BDI", "BDI", "BDI", "BDI"],
    );

    // A private message typed in the room, and one typed in the conversation: the same ✓✓ 1/1.
    await ann.say("/msg bob from the room");
    await ann.waitUntil(
      `document.querySelector('#room-list [data-key="@bob"]') !== null`,
      "the conversation with bob",
    );
    await ann.openConversation("@bob");
    await ann.waitForTick("from the room", "✓✓ 1/1");
    await ann.say("from the conversation");
    await ann.waitForTick("from the conversation", "✓✓ 1/1");
    assertEquals(await here(ann), ["ann (you)", "bob"]);
    assertEquals(
      await ann.eval<string>(
        `document.getElementById("members-title").textContent`,
      ),
      "Here (2)",
    );

    // bob writes while ann reads #games; /r from there answers, and reads him.
    await ann.openConversation("#games");
    await bob.send({ type: "msg", id: "b1", text: "/msg ann got them" });
    await ann.waitUntil(
      `document.querySelector('#room-list [data-key="@bob"] .count')?.textContent === "1 @1"`,
      "bob's line unread",
    );
    await ann.say("/r good");
    await ann.waitUntil(
      `document.querySelector('#room-list [data-key="@bob"] .count') === null`,
      "the conversation with bob read by answering",
    );
    assertEquals(await ann.eval<string>("document.title"), "#games – Lochat");
    await ann.openConversation("@bob");
    await ann.waitForTick("good", "✓✓ 1/1");
    assertEquals(ann.errors, []);
  },
});

Deno.test({
  name:
    "the join dialog speaks for the page: the password asked for in its own words, in a field laid out like the others, and a taken nick said",
  ignore: skip,
  async fn() {
    const { server, url } = await startWebServer(["--password", "sesame"]);
    await using _server = server;
    await using cat = await RawPeer.connect(server.port, "cat");
    await cat.send({ type: "hello", v: 3, nick: "cat", password: "sesame" });
    await cat.frame((f) => f.type === "welcome");
    await using browser = await Browser.launch();
    const page = await browser.open(url);
    await page.waitUntil(
      `document.getElementById("join-dialog").open`,
      "the join dialog",
    );
    await page.fill("#join-nick", "cat");
    await page.page.click("#join-button");
    await page.waitUntil(
      `!document.getElementById("join-password-row").hidden && document.getElementById("join-dialog").open`,
      "the password asked for",
    );
    assertEquals(
      await page.eval<string>(
        `document.getElementById("join-problem").textContent`,
      ),
      "This server needs a password",
    );
    const nick = await box(page, "#join-nick");
    const password = await box(page, "#join-password");
    const label = await box(page, "label[for=join-password]");
    assertEquals(
      [password.left, password.right],
      [nick.left, nick.right],
      "the password field lines up with the nick field",
    );
    assert(label.bottom <= password.top, "its label above it");
    await page.page.type("#join-password", "sesame");
    await page.page.keyboard.press("Enter");
    await page.waitConnected();
    await page.waitForMessage("cat is taken; you are cat2 (/nick to change)");
    assertEquals(page.errors, []);
  },
});

Deno.test({
  name:
    "Tab completes commands in the order of the command table; long room names wrap, whole, with the name in a tooltip",
  ignore: skip,
  async fn() {
    const { server, url } = await startWebServer();
    await using _server = server;
    await using browser = await Browser.launch();
    const ann = await browser.open(url);
    await ann.join("ann", ["lobby"]);
    const keys = ann.page.keyboard;
    await ann.page.focus("#text");
    await keys.type("/wh");
    const completed: string[] = [];
    for (let i = 0; i < 3; i++) {
      await keys.press("Tab");
      completed.push(await ann.composerText());
    }
    assertEquals(completed, ["/who ", "/whois ", "/whisper "]);
    assertEquals(await ann.eval<string>(`document.activeElement.id`), "text");
    await ann.eval(`document.getElementById("text").value = ""`);

    const room = "project-alpha-release-notes-2026";
    assertEquals(room.length, 32);
    await ann.say(`/join ${room}`);
    await ann.waitUntil(
      `document.getElementById("where").textContent === "#${room}"`,
      "the long room on screen",
    );
    for (const width of [1100, 360]) {
      await ann.page.setViewport({ width, height: 700 });
      if (width === 360) await ann.page.click("#rooms-toggle");
      const shown = await ann.eval<
        { text: string; title: string; cut: boolean }[]
      >(
        `[document.querySelector('#room-list [data-key="#${room}"]'), document.getElementById("where")].map((e) => { const name = e.querySelector(".name") ?? e; return { text: name.textContent, title: e.title, cut: name.scrollWidth > name.clientWidth + 1 || name.getBoundingClientRect().right > e.getBoundingClientRect().right + 1 }; })`,
      );
      assertEquals(shown, [
        { text: `#${room}`, title: `#${room}`, cut: false },
        { text: `#${room}`, title: `#${room}`, cut: false },
      ], `at ${width} px`);
    }
    assertEquals(ann.errors, []);
  },
});
