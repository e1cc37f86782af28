/**
 * The web page in a real browser: Debian's headless Chromium, driven over
 * the DevTools protocol, against the real server started as a process.
 * Browser users chat with the terminal client (in tmux) and a netcat-style
 * text user, in two rooms; ticks, private messages, history after a
 * reload, a server restart with nothing lost, the password, a phone-sized
 * screen, markup shown as text, a cross-origin page refused, and the
 * unread count in the title from a LAN address. Screenshots (desktop and
 * phone, light and dark) go to `screenshots/`.
 *
 * Skipped, with a message, where Chromium is missing; the LAN test needs
 * root (network namespaces) and is skipped otherwise.
 */

import { assert, assertEquals, assertMatch } from "./assert.ts";
import { Browser, SKIP_REASON, type WebPage } from "./util/browser.ts";
import { NetnsPair } from "./util/netns_pair.ts";
import { Program, ServerProcess } from "./util/program.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

const skip = SKIP_REASON !== undefined;

/** A server and the URL of its page. */
async function startServer(
  args: string[] = [],
): Promise<{ server: ServerProcess; url: string; webPort: number }> {
  const server = await ServerProcess.start(args);
  const url = `http://127.0.0.1:${server.webPort}/`;
  return { server, url, webPort: server.webPort };
}

/** The terminal client in tmux, from source. */
function clientCommand(port: number, args: string): string {
  return `NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}; echo "exit=$?"; sleep 600`;
}

/** The text of the tick after the page's own line `text`. */
function tickOf(page: WebPage, text: string): Promise<string | undefined> {
  return page.eval<string | undefined>(
    `[...document.querySelectorAll("#messages li.own")].find((li) => li.querySelector(".text")?.textContent === ${
      JSON.stringify(text)
    })?.querySelector(".tick")?.textContent`,
  );
}

async function waitForTick(
  page: WebPage,
  text: string,
  tick: string,
): Promise<void> {
  await page.waitUntil(
    `[...document.querySelectorAll("#messages li.own")].some((li) => li.querySelector(".text")?.textContent === ${
      JSON.stringify(text)
    } && li.querySelector(".tick")?.textContent === ${JSON.stringify(tick)})`,
    `${JSON.stringify(text)} with the tick ${tick}`,
  );
}

Deno.test({
  name:
    "two browser pages, the terminal client and a netcat user chat in two rooms: ticks, unread counts, a private message, presence; screenshots light and dark, desktop and phone",
  ignore: skip,
  async fn() {
    const { server, url } = await startServer();
    await using _server = server;
    await using browser = await Browser.launch();
    const ann = await browser.open(url);
    await ann.join("ann", ["lobby", "games"]);
    const bob = await browser.open(url);
    await bob.join("bob", ["lobby"]);
    await using tty = await Tmux.start(
      clientCommand(server.port, "--nick cy --room lobby,games"),
      { columns: 100, rows: 30 },
    );
    await tty.waitForText("cy");
    await using nc = await RawPeer.connect(server.port, "netcat");
    await nc.write("/nick dee\r\n");
    await nc.log.waitFor((l) => l.includes("now known as dee"));
    await nc.write("/join games\r\n");
    await nc.log.waitFor((l) => l.startsWith("You joined #games"));
    await nc.write("/switch lobby\r\n");
    await nc.log.waitFor((l) => l.includes("You are talking in #lobby now"));

    // ann in #lobby: everyone sees it, and ann's line gets ✓✓ 3/3.
    await ann.openConversation("#lobby");
    await ann.waitUntil(
      `document.querySelectorAll("#member-list li").length === 4`,
      "four people here",
    );
    await ann.say("hello from the browser");
    await bob.waitForMessage("hello from the browser");
    await tty.waitForText("hello from the browser");
    await nc.log.waitFor((l) => l.includes("<ann> hello from the browser"));
    await waitForTick(ann, "hello from the browser", "✓✓ 3/3");

    // The netcat user and the terminal client answer; the pages show it.
    await nc.write("hi from netcat\r\n");
    await ann.waitForMessage("hi from netcat");
    await bob.waitForMessage("hi from netcat");
    await tty.type("hi from the terminal");
    await tty.press("Enter");
    await ann.waitForMessage("hi from the terminal");
    await bob.waitForMessage("hi from the terminal");

    // Lines in #games, while ann reads #lobby: unread, and a mention.
    await nc.write("/switch games\r\n");
    await nc.log.waitFor((l) => l.includes("You are talking in #games now"));
    await nc.write("anyone for chess?\r\n");
    await nc.write("ann: you?\r\n");
    await ann.waitUntil(
      `document.querySelector('#room-list [data-key="#games"] .count')?.textContent === "2 @1"`,
      "2 unread in #games, 1 for ann",
    );
    assertMatch(await ann.eval<string>("document.title"), /^\(2, 1 for you\) /);
    assertEquals(await bob.roomList(), ["#lobby"]);
    await ann.openConversation("#games");
    await ann.waitForMessage("anyone for chess?");
    assertEquals(await ann.eval<string>("document.title"), "#games – Lochat");
    await ann.say("dee: sure");
    await nc.log.waitFor((l) => l.includes("<ann> dee: sure"));
    await tty.waitForText("dee: sure");
    await waitForTick(ann, "dee: sure", "✓✓ 2/2");

    // A private message, from the who list: bob → ann.
    await bob.page.click("#member-list button[aria-label^='ann']");
    await bob.waitUntil(
      `document.getElementById("where").textContent === "ann"`,
      "the private conversation with ann",
    );
    await bob.say("psst, lunch?");
    await waitForTick(bob, "psst, lunch?", "✓");
    await ann.waitUntil(
      `document.querySelector('#room-list [data-key="@bob"] .count')?.textContent === "1 @1"`,
      "a private message from bob, unread",
    );
    await ann.openConversation("@bob");
    await ann.waitForMessage("psst, lunch?");
    await ann.say("yes!");
    await bob.waitForMessage("yes!");
    const bobLines = await bob.messages();
    assertEquals(
      bobLines.filter((l) => l.includes("psst, lunch?")).length,
      1,
      "bob's own private line once",
    );

    // Presence: away and back, a nick change, someone leaving.
    await nc.write("/away making tea\r\n");
    await ann.openConversation("#games");
    await ann.waitForMessage("dee is away: making tea");
    await ann.waitUntil(
      `[...document.querySelectorAll("#member-list .member")].some((b) => b.textContent.includes("away: making tea"))`,
      "dee away in the who list",
    );
    // The terminal client talks in #lobby, its first room.
    await tty.type("/topic board games only");
    await tty.press("Enter");
    await ann.waitUntil(
      `document.querySelector('#room-list [data-key="#lobby"] .count') === null`,
      "no unread count for a topic",
    );
    await ann.openConversation("#lobby");
    await ann.waitForMessage("cy set the topic: board games only");
    await ann.waitUntil(
      `document.getElementById("topic").textContent === "board games only"`,
      "the topic",
    );

    // Screenshots: desktop light and dark, phone light and dark.
    await ann.screenshot("desktop-light");
    await ann.theme(true);
    await ann.waitUntil(
      `getComputedStyle(document.body).backgroundColor !== "rgb(255, 255, 255)"`,
      "the dark theme",
    );
    await ann.screenshot("desktop-dark");
    await ann.theme(false);
    await ann.page.setViewport({ width: 360, height: 740 });
    await ann.screenshot("phone-light");
    await ann.theme(true);
    await ann.screenshot("phone-dark");
    await ann.theme(false);
    assertEquals(ann.errors, []);
    assertEquals(bob.errors, []);
    await tty.type("/quit");
    await tty.press("Enter");
    await ann.waitForMessage("cy quit");
  },
});
