/**
 * IRC's size limits, as named constants with the sources they come from: the
 * 512 bytes of a message, the 4096 bytes of a client's tags, the 15
 * parameters. The parser, the line splitter and the text splitter of the IRC
 * listener all count against these. Sizes are in bytes of UTF-8.
 *
 * @module
 */

/**
 * The most bytes a message may take, tags not counted, CR LF included: the
 * 512 of RFC 1459 §2.3, kept by https://modern.ircdocs.horse/#message-format
 * and by https://ircv3.net/specs/extensions/message-tags#size-limit ("the
 * rest of the message remains unchanged at 512 bytes"). So 510 bytes of
 * source, command and parameters.
 */
export const MAX_MESSAGE_BYTES = 512;

/**
 * The most bytes the tags section of a client's line may take: `@`, at most
 * 4094 bytes of tag data, and the space after them
 * (https://ircv3.net/specs/extensions/message-tags#size-limit:
 * `<client_max> (4096) :: '@' <tag_data 4094> ' '`). The modern protocol
 * says the same from the server's side: "servers must allow 4096 additional
 * bytes" (https://modern.ircdocs.horse/#message-format).
 */
export const MAX_CLIENT_TAG_BYTES = 4096;

/**
 * The most parameters a message has: RFC 2812 §2.3.1 (`14( SPACE middle )
 * [ SPACE [ ":" ] trailing ]`), and the modern protocol's "Software SHOULD
 * AVOID sending more than 15 parameters"
 * (https://modern.ircdocs.horse/#parameters).
 */
export const MAX_PARAMS = 15;
