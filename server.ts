// deno-lint-ignore-file no-console
/**
 * `lochat-server`: flags in, listener up, sessions served, clean exit on
 * SIGINT/SIGTERM. Exit codes: 0 stopped cleanly, 1 could not start, 2 bad
 * usage.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import { parseServerFlags, serverHelp } from "./lib/server/server_flags.ts";
import { UsageError } from "./lib/shared/flags.ts";
import { errorMessage } from "./lib/shared/errors.ts";
import { createLogger } from "./lib/shared/log.ts";
import { ChatServer, StartError } from "./lib/server/chat_server.ts";
import { Advertiser, IRC_SERVICE } from "./lib/server/advertiser.ts";
import { StoreError } from "./lib/server/history.ts";
import { SqliteHistory } from "./lib/server/sqlite_history.ts";
import { ircEntrances } from "./lib/server/irc/irc_entrance.ts";
import { machineNames } from "./lib/server/web/origin.ts";
import { qrLines } from "./lib/server/web/qr.ts";
import { webUrls } from "./lib/server/web/urls.ts";
import { WebEntrance } from "./lib/server/web/web_entrance.ts";

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseServerFlags(Deno.args, {
      password: Deno.env.get("LOCHAT_PASSWORD"),
      xdgDataHome: Deno.env.get("XDG_DATA_HOME"),
      home: Deno.env.get("HOME"),
      operatorSecret: Deno.env.get("LOCHAT_OP_SECRET"),
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`lochat-server: ${error.message}\nTry lochat-server --help`);
    return 2;
  }
  if (flags.help) {
    console.log(serverHelp());
    return 0;
  }
  const log = createLogger({
    format: flags.log,
    write: (line) => console.error(line),
  });
  let server: ChatServer;
  let tls: { cert: string; key: string } | undefined;
  let store: SqliteHistory | undefined;
  let web: WebEntrance | undefined;
  try {
    const motd = flags.motd === undefined
      ? undefined
      : await readFile(flags.motd, "--motd", "give a text file");
    tls = flags.tlsCert === undefined || flags.tlsKey === undefined
      ? undefined
      : {
        cert: await readFile(flags.tlsCert, "--tls-cert", PEM_HINT),
        key: await readFile(flags.tlsKey, "--tls-key", PEM_HINT),
      };
    store = flags.dataDir === undefined
      ? undefined
      : SqliteHistory.open(flags.dataDir, {
        limit: flags.historyLimit,
        onError: (message) => log("store-failed", { error: message }),
      });
    web = flags.web
      ? new WebEntrance({
        hostname: flags.hostname,
        port: flags.webPort,
        tls,
        limits: flags.limits,
        resources: flags.resources,
        names: machineNames(Deno.hostname()),
        log,
      })
      : undefined;
    server = await ChatServer.start({
      hostname: flags.hostname,
      port: flags.port,
      serverName: flags.name ?? Deno.hostname(),
      limits: flags.limits,
      resources: flags.resources,
      exitWhenEmpty: flags.exitWhenEmpty,
      tls,
      password: flags.password,
      operators: flags.operators,
      operatorSecret: flags.operatorSecret,
      motd,
      log,
      entrances: [
        ...(web === undefined ? [] : [web]),
        ...ircEntrances({
          hostname: flags.hostname,
          ircPort: flags.ircPort,
          ircsPort: flags.ircsPort,
          tls,
          serverName: flags.name ?? Deno.hostname(),
        }),
      ],
      ...(store === undefined ? {} : { store }),
    });
  } catch (error) {
    store?.close();
    if (!(error instanceof StartError) && !(error instanceof StoreError)) {
      throw error;
    }
    console.error(`lochat-server: ${error.message}`);
    return 1;
  }
  const { hostname, port } = server.address;
  const webAddress = server.entranceAddress("web");
  const advertiser = flags.discovery
    ? await Advertiser.start({
      hostname,
      service: {
        name: flags.name ?? Deno.hostname(),
        port,
        tls: tls !== undefined,
        web: webAddress === undefined
          ? undefined
          : { port: webAddress.port, tls: tls !== undefined },
      },
      onWarning: (message) => log("discovery-warning", { message }),
    })
    : undefined;
  // IRC clients that browse the LAN find the IRC listener as _irc._tcp.
  const ircAt = server.entranceAddress("irc") ?? server.entranceAddress("ircs");
  const ircAdvertiser = flags.discovery && ircAt !== undefined
    ? await Advertiser.start({
      hostname,
      service: {
        name: flags.name ?? Deno.hostname(),
        port: ircAt.port,
        tls: server.entranceAddress("irc") === undefined,
        type: IRC_SERVICE,
      },
      onWarning: (message) => log("discovery-warning", { message }),
    })
    : undefined;
  // Signals first: once "listening" is printed, SIGTERM must find the handler.
  const stop = async () => {
    await ircAdvertiser?.stop();
    await advertiser?.stop();
    await server.shutdown("The server is shutting down");
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  console.log(`listening on ${hostname}:${port}`);
  if (web !== undefined && webAddress !== undefined) {
    showWebUrls(web.scheme, webAddress, flags.log !== "json");
  }
  for (const name of ["irc", "ircs"]) {
    const at = server.entranceAddress(name);
    if (at !== undefined) {
      console.log(`${name} listening on ${at.hostname}:${at.port}`);
    }
  }
  if (flags.ircPort !== undefined && tls !== undefined) {
    console.error(
      `warning: plain IRC on --irc-port: passwords (PASS, SASL, OPER) cross the LAN in clear; IRC clients can use TLS on --ircs-port`,
    );
  }
  console.log(
    store === undefined
      ? "history in memory only (--data-dir none)"
      : `history in ${store.file}`,
  );
  if (tls !== undefined) {
    console.log(
      `TLS certificate SHA256 ${new X509Certificate(tls.cert).fingerprint256}`,
    );
  }
  const on = advertiser?.interfaces.map((i) => i.address).join(", ");
  console.log(
    advertiser === undefined
      ? "not advertised on the LAN (--no-discovery)"
      : on === ""
      ? "not advertised on the LAN (bound to a loopback address)"
      : `advertised on the LAN as _lochat._tcp${
        webAddress === undefined
          ? ""
          : ` and ${tls === undefined ? "_http._tcp" : "_https._tcp"}`
      } on ${on}${ircAdvertiser === undefined ? "" : ", and IRC as _irc._tcp"}`,
  );
  await server.done;
  await ircAdvertiser?.stop();
  await advertiser?.stop(); // Also when --exit-when-empty stopped the server.
  return 0;
}

/**
 * Says where the web page is: its address, each LAN address's URL, and, on
 * a terminal only, a QR code of the first (a phone scans it to join).
 */
function showWebUrls(
  scheme: "http" | "https",
  address: { hostname: string; port: number },
  qr: boolean,
): void {
  const { listening, lan } = webUrls(address.hostname, address.port, scheme);
  console.log(`web listening on ${listening}`);
  const others = lan.filter((url) => url !== listening);
  for (const url of others) console.log(`  ${url}`);
  const wildcard = address.hostname === "0.0.0.0" || address.hostname === "::";
  const shown = lan[0] ?? (wildcard ? undefined : listening);
  if (qr && shown !== undefined && Deno.stdout.isTerminal()) {
    console.log(`Scan to open ${shown}:`);
    for (const line of qrLines(shown)) console.log(line);
  }
}

const PEM_HINT = "`make cert` makes a self-signed pair";

/** Reads a file a flag names; a StartError that says which flag and what to do. */
async function readFile(
  path: string,
  flag: string,
  hint: string,
): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : errorMessage(error);
    throw new StartError(`${flag} ${path}: ${why}; ${hint}`);
  }
}

Deno.exit(await main());
