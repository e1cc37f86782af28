// deno-lint-ignore-file no-console
/**
 * `lochat-client`: flags in, connect, then race two readers, the person (or
 * a pipe) on stdin and the server on the socket, handling whichever speaks
 * first. Exit codes: 0 done, 1 connection failed or lost, 2 bad usage, 3 the
 * server refused a line that was sent.
 *
 * @module
 */

import { ChatClient, ConnectError } from "./lib/chat_client.ts";
import { clientHelp, parseClientFlags, UsageError } from "./lib/cli.ts";
import { MAX_LINE_BYTES } from "./lib/limits.ts";
import { readLines } from "./lib/lines.ts";
import type { LineResult } from "./lib/lines.ts";
import type { ServerFrame } from "./lib/protocol.ts";
import { renderFrame, renderMessage } from "./lib/render.ts";

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseClientFlags(Deno.args, {
      noColor: (Deno.env.get("NO_COLOR") ?? "") !== "",
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`lochat-client: ${error.message}\nTry lochat-client --help`);
    return 2;
  }
  if (flags.help) {
    console.log(clientHelp());
    return 0;
  }
  const interactive = Deno.stdin.isTerminal();
  const color = flags.color && Deno.stdout.isTerminal();
  let client: ChatClient;
  try {
    client = await ChatClient.connect({
      hostname: flags.hostname,
      port: flags.port,
      nick: flags.nick,
      room: flags.room,
    });
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    console.error(`lochat-client: ${error.message}`);
    return 1;
  }
  const show = (frame: ServerFrame) => {
    if (!interactive && (frame.type === "delivered" || frame.type === "ack")) {
      return;
    }
    const line = renderFrame(frame, { color, self: client.nick });
    if (line !== undefined) console.log(line);
  };
  for (const notice of client.notices) console.log(notice);
  show(client.welcome);
  for (const message of client.welcome.history) {
    console.log(renderMessage(message, { color, self: client.nick }, true));
  }

  const stdin = readLines(Deno.stdin, { maxBytes: MAX_LINE_BYTES });
  let stdinNext: Promise<IteratorResult<LineResult>> | undefined = stdin.next();
  let socketNext = client.next();
  let leaving = false;
  const leave = async (): Promise<number> => {
    client.sendFrame({ type: "quit", reason: "quit" });
    await client.flushed();
    client.close();
    return client.refused > 0 ? 3 : 0;
  };
  while (true) {
    const event = await Promise.race([
      socketNext.then((frame) => ({ from: "socket" as const, frame })),
      ...(stdinNext === undefined
        ? []
        : [stdinNext.then((line) => ({ from: "stdin" as const, line }))]),
    ]);
    if (event.from === "socket") {
      const frame = event.frame;
      if (frame === undefined) {
        const lost = client.pending > 0
          ? ` (${client.pending} lines not acknowledged)`
          : "";
        console.error(
          `lochat-client: lost the connection to ${flags.hostname}:${flags.port}${lost}`,
        );
        return 1;
      }
      show(frame);
      if (frame.type === "bye") return 1;
      if (leaving && client.pending === 0) return await leave();
      socketNext = client.next();
      continue;
    }
    const result = event.line;
    if (result.done) {
      // EOF: leave once the server has acknowledged everything sent.
      stdinNext = undefined;
      leaving = true;
      if (client.pending === 0) return await leave();
      continue;
    }
    stdinNext = stdin.next();
    if (!result.value.ok) {
      console.error(
        `lochat-client: a line was not sent: ${lineProblem(result.value)}`,
      );
      continue;
    }
    const line = result.value.line;
    if (line.trim() === ":q" || /^\/(quit|exit)\b/i.test(line.trim())) {
      stdinNext = undefined;
      leaving = true;
      if (client.pending === 0) return await leave();
      continue;
    }
    if (line.trim() !== "") client.send(line);
  }
}

function lineProblem(result: Exclude<LineResult, { ok: true }>): string {
  return result.error === "too-long"
    ? `it is longer than ${result.limit} bytes; split it into several lines`
    : "it is not valid UTF-8";
}

Deno.exit(await main());
