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
import {
  Browser,
  SKIP_REASON,
  startWebServer as startServer,
  type WebPage,
} from "./util/browser.ts";
import { NetnsPair } from "./util/netns_pair.ts";
import { RawPeer } from "./util/raw_peer.ts";
import { Tmux } from "./util/tmux.ts";

const skip = SKIP_REASON !== undefined;

/** The terminal client in tmux, from source. */
function clientCommand(port: number, args: string): string {
  return `NO_COLOR=1 '${Deno.execPath()}' run --allow-all client.ts --host 127.0.0.1 --port ${port} ${args}; echo "exit=$?"; sleep 600`;
}

function tickOf(page: WebPage, text: string): Promise<string | undefined> {
  return page.tickOf(text);
}

function waitForTick(page: WebPage, text: string, tick: string): Promise<void> {
  return page.waitForTick(text, tick);
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
    await waitForTick(bob, "psst, lunch?", "✓✓ 1/1");
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

    // Screenshots: desktop light and dark, phone light and dark (with a line unread in #games).
    await nc.write("brb, kettle\r\n");
    await ann.waitUntil(
      `document.querySelector('#room-list [data-key="#games"] .count')?.textContent === "1"`,
      "1 unread in #games",
    );
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
    // /ignore, typed as in the terminal: dee's next line reaches bob, not ann.
    await ann.say("/ignore dee");
    await ann.waitUntil(
      `[...document.querySelectorAll("#messages li.notice")].some((li) => /dee/.test(li.textContent) && /ignor/i.test(li.textContent))`,
      "the server's answer to /ignore",
    );
    await nc.write("/switch lobby\r\n");
    await nc.log.waitFor((l) => l.includes("You are talking in #lobby now"));
    await nc.write("ann will not see this\r\n");
    await nc.write("/back\r\n");
    await bob.openConversation("#lobby");
    await bob.waitForMessage("ann will not see this");
    await ann.waitForMessage("dee is back");
    assertEquals(
      (await ann.messages()).some((l) => l.includes("ann will not see this")),
      false,
    );
    assertEquals(ann.errors, []);
    assertEquals(bob.errors, []);
    await tty.type("/quit");
    await tty.press("Enter");
    await ann.waitForMessage("cy quit");
  },
});

Deno.test({
  name:
    "history after a reload, and a server restart with nothing lost: lines typed while it is down wait as pending and arrive once",
  ignore: skip,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "lochat-web-" });
    try {
      let { server, url, webPort } = await startServer(["--data-dir", dataDir]);
      const port = server.port;
      try {
        await using browser = await Browser.launch();
        const ann = await browser.open(url);
        await ann.join("ann", ["lobby"]);
        await using _bob = await RawPeer.inRooms(port, "bob", ["lobby"]);
        await ann.say("kept on disk");
        await waitForTick(ann, "kept on disk", "✓✓ 1/1");

        // A reload: straight back in (nick and rooms remembered), with history.
        await ann.page.reload({ waitUntil: "load" });
        await ann.waitConnected();
        await ann.waitForMessage("kept on disk");
        assertEquals(
          await ann.eval<boolean>(
            `document.querySelector("#messages li.history .text")?.textContent === "kept on disk"`,
          ),
          true,
        );
        assertEquals(
          await ann.eval<string[]>(
            `[localStorage.getItem("lochat.nick"), localStorage.getItem("lochat.rooms")]`,
          ),
          ["ann", "lobby"],
        );

        // The server goes away; ann keeps typing.
        server.kill("SIGTERM");
        assertEquals(await server.exitCode(), 0);
        await ann.waitUntil(
          `document.getElementById("app").dataset.phase !== "connected"`,
          "the connection lost",
        );
        // Who was here is no longer known: the list says so.
        await ann.waitUntil(
          `document.getElementById("member-list").classList.contains("stale") && document.getElementById("members-title").textContent.includes("before the connection dropped")`,
          "who is here marked stale",
        );
        await ann.say("typed while down 1");
        await ann.say("typed while down 2");
        assertEquals(await tickOf(ann, "typed while down 1"), "…");
        await ann.waitUntil(
          `document.getElementById("status").textContent.includes("2 unsent")`,
          "2 unsent in the status",
        );

        // Back on the same ports, with the same disk.
        ({ server, url, webPort } = await startServer([
          "--port",
          String(port),
          "--web-port",
          String(webPort),
          "--data-dir",
          dataDir,
        ]));
        await using cy = await RawPeer.inRooms(port, "cy", ["lobby"]);
        await cy.send({
          type: "msg",
          id: "c1",
          text: "said during the restart",
          room: "lobby",
        });
        await ann.waitConnected(30_000);
        await waitForTick(ann, "typed while down 1", "✓✓ 1/1");
        await waitForTick(ann, "typed while down 2", "✓✓ 1/1");
        // Every resent line answered: nothing is "sending" any more.
        await ann.waitForStatus("connected");
        assertEquals(
          await ann.eval<boolean>(
            `document.getElementById("member-list").classList.contains("stale")`,
          ),
          false,
        );
        await ann.waitForMessage("said during the restart");
        const lines = await ann.texts("#messages li .text");
        for (
          const text of [
            "kept on disk",
            "typed while down 1",
            "typed while down 2",
            "said during the restart",
          ]
        ) {
          assertEquals(
            lines.filter((l) => l === text).length,
            1,
            `${text} once`,
          );
        }
        // Someone joining now sees each line once, in order.
        await using dee = await RawPeer.inRooms(port, "dee", ["lobby"]);
        const welcome = dee.frames().find((f) => f.type === "welcome");
        assert(welcome?.type === "welcome");
        const history = welcome.rooms?.[0]?.history.map((m) => m.text) ?? [];
        assertEquals(
          history.filter((t) => t !== "said during the restart"),
          ["kept on disk", "typed while down 1", "typed while down 2"],
        );
        assertEquals(ann.errors.filter((e) => !e.includes("WebSocket")), []);
      } finally {
        await server[Symbol.asyncDispose]();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "the password: the page asks for it, says when it is wrong, gets in with the right one, and keeps it in memory only",
  ignore: skip,
  async fn() {
    const { server, url } = await startServer(["--password", "open sesame"]);
    await using _server = server;
    await using browser = await Browser.launch();
    const ann = await browser.open(url);
    await ann.waitUntil(
      `document.getElementById("join-dialog").open`,
      "the join dialog",
    );
    await ann.fill("#join-nick", "ann");
    await ann.page.click("#join-button");
    await ann.waitUntil(
      `!document.getElementById("join-password-row").hidden && document.getElementById("join-dialog").open`,
      "the password asked for",
    );
    assertEquals(
      await ann.eval<string>(`document.activeElement.id`),
      "join-password",
    );
    await ann.page.type("#join-password", "wrong");
    await ann.page.keyboard.press("Enter");
    await ann.waitUntil(
      `/password/i.test(document.getElementById("join-problem").textContent) && document.getElementById("join-dialog").open`,
      "the wrong password refused",
    );
    await ann.page.type("#join-password", "open sesame");
    await ann.page.keyboard.press("Enter");
    await ann.waitConnected();
    await ann.say("in at last");
    await waitForTick(ann, "in at last", "✓ no one else here");
    const storage = await ann.eval<string>(
      `JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])`,
    );
    assert(
      !storage.includes("sesame"),
      `the password is not stored: ${storage}`,
    );
    // A reload forgets it: the page asks again.
    await ann.page.reload({ waitUntil: "load" });
    await ann.waitUntil(
      `!document.getElementById("join-password-row").hidden && document.getElementById("join-dialog").open`,
      "the password asked for again after a reload",
    );
  },
});

Deno.test({
  name:
    "on a 360×740 phone screen, by keyboard alone: join, talk, change rooms, open the rooms panel; nothing wider than the screen, and focus is visible",
  ignore: skip,
  async fn() {
    const { server, url } = await startServer();
    await using _server = server;
    await using browser = await Browser.launch();
    const ann = await browser.open(url, { width: 360, height: 740 });
    await ann.waitUntil(
      `document.getElementById("join-dialog").open`,
      "the join dialog",
    );
    assertEquals(
      await ann.eval<string>(`document.activeElement.id`),
      "join-nick",
    );
    const keys = ann.page.keyboard;
    await keys.type("ann");
    await keys.press("Tab");
    assertEquals(
      await ann.eval<string>(`document.activeElement.id`),
      "join-rooms",
    );
    await ann.page.click("#join-rooms", { count: 3 });
    await keys.type("lobby games");
    await keys.press("Enter");
    await ann.waitConnected();
    assertEquals(await ann.eval<string>(`document.activeElement.id`), "text");
    await keys.type("from a phone");
    await keys.press("Enter");
    await waitForTick(ann, "from a phone", "✓ no one else here");
    // Tab completes a command; Tab with nothing to complete does nothing.
    await keys.type("/jo");
    await keys.press("Tab");
    assertEquals(
      await ann.eval<string>(`document.getElementById("text").value`),
      "/join ",
    );
    await keys.type("dev");
    await keys.press("Enter");
    await ann.waitUntil(
      `document.getElementById("where").textContent === "#dev"`,
      "#dev",
    );
    await keys.press("Tab");
    assertEquals(await ann.eval<string>(`document.activeElement.id`), "text");
    await keys.type("x");
    assertEquals(
      await ann.eval<string>(`document.getElementById("text").value`),
      "x",
      "the key after a Tab with nothing to complete goes into the box",
    );
    await keys.press("Backspace");
    // Escape, then Tab, leaves the message box.
    await keys.press("Escape");
    await keys.press("Tab");
    assertEquals(await ann.eval<string>(`document.activeElement.id`), "send");
    const outline = await ann.eval<string>(
      `getComputedStyle(document.activeElement).outlineStyle`,
    );
    assert(outline !== "none", "the focused button shows its focus");
    // Alt+Up: the previous room.
    await ann.page.focus("#text");
    await keys.down("Alt");
    await keys.press("ArrowUp");
    await keys.up("Alt");
    await ann.waitUntil(
      `document.getElementById("where").textContent === "#games"`,
      "#games",
    );
    // The rooms panel: a button, then a room, then back to typing.
    assertEquals(
      await ann.eval<boolean>(
        `getComputedStyle(document.getElementById("rooms-panel")).display === "none"`,
      ),
      true,
    );
    await ann.page.focus("#rooms-toggle");
    await keys.press("Enter");
    await ann.waitUntil(
      `getComputedStyle(document.getElementById("rooms-panel")).display !== "none"`,
      "the rooms panel",
    );
    assertEquals(
      await ann.eval<string>(
        `document.getElementById("rooms-toggle").getAttribute("aria-expanded")`,
      ),
      "true",
    );
    await ann.page.focus(`#room-list [data-key="#lobby"]`);
    await keys.press("Enter");
    await ann.waitUntil(
      `document.getElementById("where").textContent === "#lobby"`,
      "#lobby",
    );
    assertEquals(await ann.eval<string>(`document.activeElement.id`), "text");
    await ann.waitForMessage("from a phone");
    const width = await ann.eval<number>(
      `document.documentElement.scrollWidth`,
    );
    assert(width <= 360, `the page is ${width} px wide`);
    const composer = await ann.eval<{ bottom: number; right: number }>(
      `(() => { const r = document.getElementById("send").getBoundingClientRect(); return { bottom: r.bottom, right: r.right }; })()`,
    );
    assert(
      composer.bottom <= 740 && composer.right <= 360,
      `the send button is on screen: ${JSON.stringify(composer)}`,
    );
    // Every control has a name.
    const unnamed = await ann.eval<string[]>(
      `[...document.querySelectorAll("input, button")].filter((e) => e.offsetParent !== null && !(e.labels?.length || e.getAttribute("aria-label") || e.textContent.trim())).map((e) => e.outerHTML)`,
    );
    assertEquals(unnamed, []);
    assertEquals(ann.errors, []);
  },
});

/** Markup and script, in every shape a chat text can take. */
const PAYLOADS = [
  `<img src=x onerror="window.__xss='img'">`,
  `<script>window.__xss='script'</script>`,
  `"><svg onload="window.__xss='svg'">`,
  `<a href="javascript:window.__xss='a'">click</a> &amp; &lt;b&gt;`,
];

Deno.test({
  name:
    "markup in messages, private messages, topics, away texts, reasons and nicks is shown as text, and no script runs",
  ignore: skip,
  async fn() {
    const { server, url } = await startServer();
    await using _server = server;
    await using browser = await Browser.launch();
    const ann = await browser.open(url);
    await ann.join("ann", ["lobby"]);
    await using mal = await RawPeer.inRooms(server.port, "mal", ["lobby"]);
    let id = 0;
    const say = async (text: string) => {
      const key = `m${++id}`;
      await mal.send({ type: "msg", id: key, text, room: "lobby" });
      await mal.frame((f) =>
        (f.type === "ack" || f.type === "error") && f.id === key
      );
    };
    for (const payload of PAYLOADS) await say(payload);
    await say(`/me ${PAYLOADS[0]}`);
    await say(`/msg ann ${PAYLOADS[1]}`);
    await say(`/topic ${PAYLOADS[2]}`);
    await say(`/away ${PAYLOADS[3]}`);
    await ann.waitUntil(
      `document.getElementById("topic").textContent === ${
        JSON.stringify(PAYLOADS[2])
      }`,
      "the topic, as text",
    );
    await ann.waitForMessage(`mal is away: ${PAYLOADS[3]}`);
    for (const payload of PAYLOADS) await ann.waitForMessage(payload);
    // A nick made of markup is refused by the server, and the page says so as text.
    await ann.say(`/nick <b>bold</b>`);
    await ann.waitUntil(
      `[...document.querySelectorAll("#messages li.problem")].some((li) => li.textContent.includes("<b>bold</b>"))`,
      "the refused nick, as text",
    );
    await ann.openConversation("@mal");
    await ann.waitForMessage(PAYLOADS[1]!);
    await ann.openConversation("#lobby");
    await say(`/part lobby ${PAYLOADS[0]}`);
    await ann.waitForMessage(`mal left #lobby (${PAYLOADS[0]})`);
    const injected = await ann.eval<unknown>(
      `[typeof window.__xss, document.querySelectorAll("#app img, #app script, #app svg, #app b, #app a[href]").length]`,
    );
    assertEquals(injected, ["undefined", 0]);
    assertEquals(ann.errors, []);
  },
});

Deno.test({
  name:
    "a page from another origin cannot open the server's WebSocket; the page's own origin can",
  ignore: skip,
  async fn() {
    const { server, url, webPort } = await startServer();
    await using _server = server;
    // Another site on this machine, open in the same browser.
    await using foreign = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () =>
        new Response("<!doctype html><title>elsewhere</title>", {
          headers: { "content-type": "text/html" },
        }),
    );
    await using browser = await Browser.launch();
    const tryWebSocket = `new Promise((resolve) => {
      const socket = new WebSocket("ws://127.0.0.1:${webPort}/ws");
      socket.onopen = () => { socket.close(); resolve("open"); };
      socket.onclose = (event) => resolve("closed " + event.code);
      setTimeout(() => resolve("timeout"), 5000);
    })`;
    const other = await browser.open(`http://127.0.0.1:${foreign.addr.port}/`);
    assertEquals(await other.eval<string>(tryWebSocket), "closed 1006");
    const blank = await browser.open("data:text/html,<title>data</title>");
    assertEquals(await blank.eval<string>(tryWebSocket), "closed 1006");
    const own = await browser.open(url);
    assertEquals(await own.eval<string>(tryWebSocket), "open");
  },
});

const canNetns = !skip && NetnsPair.available();

Deno.test({
  name:
    "served from a LAN address (not a secure context), the page works and counts unread lines in the title and the favicon",
  ignore: !canNetns,
  async fn() {
    await using pair = await NetnsPair.create();
    await using server = pair.run(pair.a, "server.ts", [
      "--host",
      pair.addressA,
      "--port",
      "0",
      "--data-dir",
      "none",
      "--no-discovery",
    ], "server");
    const line = await server.stdout.waitFor(/^web listening on /);
    const url = line.slice("web listening on ".length).trim();
    assertEquals(new URL(url).hostname, pair.addressA);
    // Chromium runs in the other namespace: another machine on the LAN.
    const wrapper = await Deno.makeTempFile({
      prefix: "lochat-chromium-",
      suffix: ".sh",
    });
    try {
      await Deno.writeTextFile(
        wrapper,
        `#!/bin/sh\nexec ip netns exec ${pair.b} /usr/bin/chromium "$@"\n`,
      );
      await Deno.chmod(wrapper, 0o755);
      await using browser = await Browser.launch({ executable: wrapper });
      const ann = await browser.open(url);
      await ann.join("ann", ["lobby", "games"]);
      assertEquals(await ann.eval<boolean>("isSecureContext"), false);
      const quiet = await ann.eval<string>(
        `document.getElementById("favicon").href`,
      );
      const bob = await browser.open(url);
      await bob.join("bob", ["games"]);
      await bob.say("ann: over here");
      await bob.say("and one more");
      await ann.waitUntil(
        `document.title === "(2, 1 for you) #lobby – Lochat"`,
        "the unread count in the title",
      );
      const busy = await ann.eval<string>(
        `document.getElementById("favicon").href`,
      );
      assertMatch(busy, /^data:image\/png;base64,/);
      assert(busy !== quiet, "the favicon shows the count");
      await ann.openConversation("#games");
      assertEquals(await ann.eval<string>("document.title"), "#games – Lochat");
      assertEquals([...ann.errors, ...bob.errors], []);
    } finally {
      await Deno.remove(wrapper);
    }
  },
});

/**
 * Stands in for a hidden tab (headless Chromium's tabs are never hidden)
 * and records the notifications the page shows, through the real API.
 */
const HIDDEN_TAB = `
  window.__notes = [];
  window.__hidden = false;
  Object.defineProperty(document, "hidden", { get: () => window.__hidden });
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push(title + ": " + (options?.body ?? ""));
    }
  };
`;

function setHidden(page: WebPage, hidden: boolean): Promise<unknown> {
  return page.eval(
    `window.__hidden = ${hidden}; document.dispatchEvent(new Event("visibilitychange"))`,
  );
}

Deno.test({
  name:
    "with notifications allowed, a mention or a private message while the tab is hidden is notified; other lines, or a visible tab, are not",
  ignore: skip,
  async fn() {
    const { server, url } = await startServer();
    await using _server = server;
    await using browser = await Browser.launch();
    const ann = await browser.open(url, {
      grant: ["notifications"],
      beforeLoad: HIDDEN_TAB,
    });
    await ann.join("ann", ["lobby"]);
    assertEquals(await ann.eval<boolean>("isSecureContext"), true);
    assertEquals(await ann.eval<string>("Notification.permission"), "granted");
    await using bob = await RawPeer.inRooms(server.port, "bob", ["lobby"]);
    let id = 0;
    const say = async (text: string) => {
      const key = `b${++id}`;
      await bob.send({ type: "msg", id: key, text, room: "lobby" });
      await bob.frame((f) => f.type === "ack" && f.id === key);
    };
    await say("ann: seen, not notified");
    await ann.waitForMessage("seen, not notified");
    await setHidden(ann, true);
    await say("just chatting");
    await say("ann, are you there?");
    await say("/msg ann a secret");
    await ann.waitUntil(`window.__notes.length === 2`, "two notifications");
    assertEquals(await ann.eval<string[]>("window.__notes"), [
      "bob in #lobby: ann, are you there?",
      "bob (private): a secret",
    ]);
    assertEquals(
      await ann.eval<string>("document.title"),
      "(3, 2 for you) #lobby – Lochat",
    );
    await setHidden(ann, false);
    await ann.waitUntil(
      `document.title === "(1, 1 for you) #lobby – Lochat"`,
      "the room on screen read again, the private message still unread",
    );
  },
});
