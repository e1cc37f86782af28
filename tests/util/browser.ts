/**
 * A real browser for the web page's end-to-end tests: Debian's headless
 * Chromium (`/usr/bin/chromium`) driven over the DevTools protocol by the
 * pinned `puppeteer-core`, through a pipe (no DevTools port is opened).
 * {@linkcode Browser} is `AsyncDisposable`: `await using` closes Chromium
 * and its profile. {@linkcode WebPage} wraps one tab with what the tests
 * do on the Lochat page: join, say, wait for what the page shows.
 *
 * Page-side code is passed as strings: the tests are type-checked without
 * the DOM's types, and the expressions run in the page, not here.
 *
 * @example
 * ```ts
 * await using browser = await Browser.launch();
 * const page = await browser.open(url, { width: 360, height: 740 });
 * await page.join("ann", ["lobby"]);
 * await page.say("hello");
 * ```
 *
 * @module
 */

import puppeteer, {
  type Browser as PuppeteerBrowser,
  type Page,
} from "puppeteer-core";
import { DEADLINE_MS } from "./line_log.ts";
import { ROOT, ServerProcess } from "./program.ts";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where the tests save screenshots (git-ignored). */
export const SCREENSHOTS = `${ROOT}screenshots`;

/** True when Debian's Chromium is installed here. */
export function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** Why browser tests are skipped here, or undefined when they can run. */
export const SKIP_REASON = chromiumAvailable()
  ? undefined
  : `${CHROMIUM} is missing: install Debian's chromium package to run the browser tests`;

if (SKIP_REASON !== undefined) {
  // deno-lint-ignore no-console
  console.warn(`Skipping the browser tests: ${SKIP_REASON}`);
}

/** A server started as a process, and the URL of its page. */
export async function startWebServer(
  args: string[] = [],
): Promise<{ server: ServerProcess; url: string; webPort: number }> {
  const server = await ServerProcess.start(args);
  const url = `http://127.0.0.1:${server.webPort}/`;
  return { server, url, webPort: server.webPort };
}

/** How a tab is opened. */
export interface PageOptions {
  /** Viewport width in CSS pixels; default 1100. */
  width?: number;
  /** Viewport height in CSS pixels; default 700. */
  height?: number;
  /** Emulate the system's dark theme. */
  dark?: boolean;
  /** Permissions granted to the page's origin, as if the person said yes (`notifications`). */
  grant?: string[];
  /** A script run in the page before its own (to stand in for browser features). */
  beforeLoad?: string;
}

/** Headless Chromium, closed when disposed. */
export class Browser implements AsyncDisposable {
  readonly browser: PuppeteerBrowser;

  private constructor(browser: PuppeteerBrowser) {
    this.browser = browser;
  }

  /**
   * Starts Chromium; `executable` may be a wrapper (a script that runs it
   * inside a network namespace).
   */
  static async launch(
    options: { executable?: string } = {},
  ): Promise<Browser> {
    const browser = await puppeteer.launch({
      executablePath: options.executable ?? CHROMIUM,
      headless: true,
      // CDP over fds 3 and 4. No --remote-debugging-* flag of our own:
      // puppeteer would then skip its own and wait for a port that never comes.
      pipe: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--lang=en-GB",
      ],
      timeout: 30_000,
    });
    return new Browser(browser);
  }

  /**
   * Opens `url` in a new tab with the given viewport and theme, in a
   * browser context of its own (its own storage: another person).
   */
  async open(url: string, options: PageOptions = {}): Promise<WebPage> {
    const context = await this.browser.createBrowserContext();
    if (options.grant !== undefined) {
      await context.setPermission(
        new URL(url).origin,
        ...options.grant.map((name) => ({
          permission: { name },
          state: "granted" as const,
        })),
      );
    }
    const page = await context.newPage();
    if (options.beforeLoad !== undefined) {
      await page.evaluateOnNewDocument(options.beforeLoad);
    }
    const web = new WebPage(page);
    await page.setViewport({
      width: options.width ?? 1100,
      height: options.height ?? 700,
      deviceScaleFactor: 1,
    });
    await web.theme(options.dark === true);
    await page.goto(url, { waitUntil: "load", timeout: DEADLINE_MS });
    return web;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.browser.close().catch(() => {});
  }
}

/** One tab on the Lochat page. */
export class WebPage {
  readonly page: Page;
  /** Console errors, uncaught exceptions and CSP violations the page reported. */
  readonly errors: string[] = [];

  constructor(page: Page) {
    this.page = page;
    page.on("console", (message) => {
      if (message.type() === "error") this.errors.push(message.text());
    });
    page.on("pageerror", (error) => this.errors.push(String(error)));
  }

  /** Light or dark, as the system setting would say. */
  async theme(dark: boolean): Promise<void> {
    await this.page.emulateMediaFeatures([
      { name: "prefers-color-scheme", value: dark ? "dark" : "light" },
    ]);
  }

  /** Evaluates `expression` in the page and returns its value. */
  eval<T>(expression: string): Promise<T> {
    return this.page.evaluate(expression) as Promise<T>;
  }

  /** Waits until `expression` is truthy in the page. */
  async waitUntil(
    expression: string,
    what: string,
    deadlineMs = DEADLINE_MS,
  ): Promise<void> {
    try {
      await this.page.waitForFunction(expression, {
        timeout: deadlineMs,
        polling: 50,
      });
    } catch (error) {
      const status = await this.eval<string>(
        `document.getElementById("status")?.textContent ?? ""`,
      ).catch(() => "?");
      const shown = await this.messages().catch(() => []);
      throw new Error(
        `The page did not show ${what} within ${deadlineMs} ms (${error}).\nStatus: ${status}\nMessages:\n${
          shown.join("\n")
        }\nPage errors: ${this.errors.join(" | ")}`,
      );
    }
  }

  /** The text of every element matching `selector`. */
  texts(selector: string): Promise<string[]> {
    return this.eval<string[]>(
      `[...document.querySelectorAll(${
        JSON.stringify(selector)
      })].map((e) => e.textContent)`,
    );
  }

  /** The lines of the message list on screen, as text. */
  messages(): Promise<string[]> {
    return this.texts("#messages li");
  }

  /** Waits for a line of the message list containing `text`. */
  async waitForMessage(text: string, deadlineMs = DEADLINE_MS): Promise<void> {
    await this.waitUntil(
      `[...document.querySelectorAll("#messages li")].some((e) => e.textContent.includes(${
        JSON.stringify(text)
      }))`,
      `a message with ${JSON.stringify(text)}`,
      deadlineMs,
    );
  }

  /** Fills the join dialog and joins. */
  async join(nick: string, rooms: string[]): Promise<void> {
    await this.waitUntil(
      `document.getElementById("join-dialog").open`,
      "the join dialog",
    );
    await this.fill("#join-nick", nick);
    await this.fill("#join-rooms", rooms.join(" "));
    await this.page.click("#join-button");
    await this.waitConnected();
  }

  /** Waits until the page says it is connected. */
  async waitConnected(deadlineMs = DEADLINE_MS): Promise<void> {
    await this.waitUntil(
      `document.getElementById("app").dataset.phase === "connected" && !document.getElementById("join-dialog").open`,
      "the chat, connected",
      deadlineMs,
    );
  }

  /** Replaces an input's value by typing, as a person would. */
  async fill(selector: string, text: string): Promise<void> {
    await this.page.click(selector, { count: 3 });
    await this.page.keyboard.press("Backspace");
    if (text !== "") await this.page.type(selector, text);
  }

  /** Types a line into the composer and presses Enter. */
  async say(text: string): Promise<void> {
    await this.page.focus("#text");
    await this.page.type("#text", text);
    await this.page.keyboard.press("Enter");
  }

  /**
   * Puts `text` in the message box at once (long or unusual text that typing
   * key by key would make slow) and presses Enter.
   */
  async sayAtOnce(text: string): Promise<void> {
    await this.page.focus("#text");
    await this.eval(
      `document.getElementById("text").value = ${JSON.stringify(text)}`,
    );
    await this.page.keyboard.press("Enter");
  }

  /** The message box's text. */
  composerText(): Promise<string> {
    return this.eval<string>(`document.getElementById("text").value`);
  }

  /** The text of the tick after the page's own line `text`. */
  tickOf(text: string): Promise<string | undefined> {
    return this.eval<string | undefined>(
      `[...document.querySelectorAll("#messages li.own")].find((li) => li.querySelector(".text")?.textContent === ${
        JSON.stringify(text)
      })?.querySelector(".tick")?.textContent`,
    );
  }

  /** Waits until the page's own line `text` shows the tick `tick`. */
  async waitForTick(text: string, tick: string): Promise<void> {
    await this.waitUntil(
      `[...document.querySelectorAll("#messages li.own")].some((li) => li.querySelector(".text")?.textContent === ${
        JSON.stringify(text)
      } && li.querySelector(".tick")?.textContent === ${JSON.stringify(tick)})`,
      `${JSON.stringify(text)} with the tick ${tick}`,
    );
  }

  /** Waits until the status line reads `text` exactly. */
  async waitForStatus(text: string): Promise<void> {
    await this.waitUntil(
      `document.getElementById("status").textContent === ${
        JSON.stringify(text)
      }`,
      `the status ${JSON.stringify(text)}`,
    );
  }

  /** Shows a conversation by clicking it in the room list (`#games`, `@bob`). */
  async openConversation(label: string): Promise<void> {
    const key = label.startsWith("#")
      ? label
      : `@${label.slice(1).toLowerCase()}`;
    await this.eval(
      `document.querySelector('#room-list [data-key=${
        JSON.stringify(key)
      }]').click()`,
    );
    await this.waitUntil(
      `document.getElementById("where").textContent === ${
        JSON.stringify(label.startsWith("#") ? label : label.slice(1))
      }`,
      `${label} on screen`,
    );
  }

  /** The room list as shown: name and counts per conversation. */
  roomList(): Promise<string[]> {
    return this.eval<string[]>(
      `[...document.querySelectorAll("#room-list .room")].map((b) => b.textContent)`,
    );
  }

  /** Saves a screenshot of the viewport as `SCREENSHOTS/NAME.png`. */
  async screenshot(name: string): Promise<string> {
    await Deno.mkdir(SCREENSHOTS, { recursive: true });
    const path = `${SCREENSHOTS}/${name}.png`;
    await this.page.screenshot({ path: path as `${string}.png` });
    return path;
  }
}
