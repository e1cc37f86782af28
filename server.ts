// deno-lint-ignore-file no-console
/**
 * `lochat-server`: flags in, listener up, sessions served, clean exit on
 * SIGINT/SIGTERM. Exit codes: 0 stopped cleanly, 1 could not start, 2 bad
 * usage.
 *
 * @module
 */

import { parseServerFlags, serverHelp, UsageError } from "./lib/cli.ts";
import { createLogger } from "./lib/log.ts";
import { ChatServer, StartError } from "./lib/server.ts";

function main(): Promise<number> | number {
  let flags;
  try {
    flags = parseServerFlags(Deno.args);
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
  try {
    server = ChatServer.start({
      hostname: flags.hostname,
      port: flags.port,
      serverName: flags.name ?? Deno.hostname(),
      history: flags.history,
      maxLineBytes: flags.maxLineBytes,
      maxQueueBytes: flags.maxQueueBytes,
      helloWaitMs: flags.helloWaitMs,
      exitWhenEmpty: flags.exitWhenEmpty,
      log,
    });
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    console.error(`lochat-server: ${error.message}`);
    return 1;
  }
  const { hostname, port } = server.address;
  console.log(`listening on ${hostname}:${port}`);
  const stop = () => server.shutdown("The server is shutting down");
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  return server.done.then(() => 0);
}

Deno.exit(await main());
