/**
 * Lochat's refusals as IRC numerics: a `ChatError` code (and its message,
 * which says the rule) becomes the numeric an IRC client expects for the
 * command that caused it, from https://modern.ircdocs.horse/#numerics.
 * Where IRC has no numeric for a refusal (a full disk, an internal error),
 * the session sends the message as a server notice.
 *
 * @module
 */

import type { ErrorCode } from "../../shared/protocol.ts";
import * as N from "./numerics.ts";

/** A numeric and its parameters after the client's nick. */
export interface NumericAnswer {
  /** The numeric, e.g. `433`. */
  code: string;
  /** Its parameters, the message last. */
  params: string[];
}

/**
 * The numeric for a refusal, or undefined when IRC has none.
 *
 * | Lochat code | numeric |
 * | --- | --- |
 * | `nick-taken` | 433 ERR_NICKNAMEINUSE |
 * | `nick-invalid` | 432 ERR_ERRONEUSNICKNAME |
 * | `room-invalid` | 403 ERR_NOSUCHCHANNEL |
 * | `room-limit` | 405 ERR_TOOMANYCHANNELS |
 * | `no-such-nick` | 401 ERR_NOSUCHNICK |
 * | `not-now` | 404 ERR_CANNOTSENDTOCHAN (PRIVMSG), 442 ERR_NOTONCHANNEL (PART, TOPIC), 441 ERR_USERNOTINCHANNEL (KICK) |
 * | `forbidden` | 482 ERR_CHANOPRIVSNEEDED (channel commands), 464 ERR_PASSWDMISMATCH (OPER), 481 ERR_NOPRIVILEGES |
 * | `text-invalid` | 412 ERR_NOTEXTTOSEND when empty, else 404 |
 *
 * @param command the IRC command refused, e.g. `JOIN`
 * @param target the channel or nick it was about
 * @param code Lochat's error code
 * @param message Lochat's message, which names the rule or limit
 * @returns the numeric and its parameters, or undefined
 *
 * @example
 * ```ts
 * answerError("JOIN", "#games", "room-limit", "You may be in 20 rooms at once");
 * // { code: "405", params: ["#games", "You may be in 20 rooms at once"] }
 * ```
 */
export function answerError(
  command: string,
  target: string,
  code: ErrorCode,
  message: string,
): NumericAnswer | undefined {
  const about = (numeric: string) => ({
    code: numeric,
    params: [target, message],
  });
  switch (code) {
    case "nick-taken":
      return about(N.ERR_NICKNAMEINUSE);
    case "nick-invalid":
      return about(N.ERR_ERRONEUSNICKNAME);
    case "room-invalid":
      return about(N.ERR_NOSUCHCHANNEL);
    case "room-limit":
      return about(N.ERR_TOOMANYCHANNELS);
    case "no-such-nick":
      return about(N.ERR_NOSUCHNICK);
    case "not-now":
      if (command === "PRIVMSG") return about(N.ERR_CANNOTSENDTOCHAN);
      if (command === "KICK") return about(N.ERR_USERNOTINCHANNEL);
      if (command === "PART" || command === "TOPIC") {
        return about(N.ERR_NOTONCHANNEL);
      }
      return undefined;
    case "forbidden":
      if (command === "OPER") {
        return { code: N.ERR_PASSWDMISMATCH, params: [message] };
      }
      if (command === "KICK" || command === "MODE" || command === "TOPIC") {
        return about(N.ERR_CHANOPRIVSNEEDED);
      }
      return { code: N.ERR_NOPRIVILEGES, params: [message] };
    case "text-invalid":
      return /empty/.test(message)
        ? { code: N.ERR_NOTEXTTOSEND, params: [message] }
        : about(N.ERR_CANNOTSENDTOCHAN);
    default:
      return undefined;
  }
}
