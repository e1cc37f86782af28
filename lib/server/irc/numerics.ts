/**
 * The IRC numeric replies the listener sends, by their standard names, so
 * code reads `RPL_WELCOME`, not `"001"`. Each is from the Modern IRC Client
 * Protocol's list (https://modern.ircdocs.horse/#numerics), RFC 2812 §5
 * where that is silent, and the IRCv3 SASL specification
 * (https://ircv3.net/specs/extensions/sasl-3.1) for 900–908.
 *
 * @module
 */

/** Numerics of registration, `RPL_ISUPPORT` and the MOTD. */
export const RPL_WELCOME = "001";
/** `Your host is SERVER, running version VERSION`. */
export const RPL_YOURHOST = "002";
/** `This server was created DATE`. */
export const RPL_CREATED = "003";
/** `SERVER VERSION USERMODES CHANMODES`. */
export const RPL_MYINFO = "004";
/** The server's tokens (https://modern.ircdocs.horse/#rplisupport-005). */
export const RPL_ISUPPORT = "005";
/** The user's modes, for `MODE nick`. */
export const RPL_UMODEIS = "221";
/** `NICK :away message`, to whoever messages someone away. */
export const RPL_AWAY = "301";
/** `USERHOST` answer. */
export const RPL_USERHOST = "302";
/** `ISON` answer. */
export const RPL_ISON = "303";
/** You are no longer away. */
export const RPL_UNAWAY = "305";
/** You are away. */
export const RPL_NOWAWAY = "306";
/** `WHOIS`: nick, user, host, real name. */
export const RPL_WHOISUSER = "311";
/** `WHOIS`: the server. */
export const RPL_WHOISSERVER = "312";
/** `WHOIS`: an operator. */
export const RPL_WHOISOPERATOR = "313";
/** End of `WHO`. */
export const RPL_ENDOFWHO = "315";
/** `WHOIS`: seconds idle and signon time. */
export const RPL_WHOISIDLE = "317";
/** End of `WHOIS`. */
export const RPL_ENDOFWHOIS = "318";
/** `WHOIS`: the channels. */
export const RPL_WHOISCHANNELS = "319";
/** Start of `LIST` (optional, sent for old clients). */
export const RPL_LISTSTART = "321";
/** One channel of `LIST`. */
export const RPL_LIST = "322";
/** End of `LIST`. */
export const RPL_LISTEND = "323";
/** A channel's modes. */
export const RPL_CHANNELMODEIS = "324";
/** A channel has no topic. */
export const RPL_NOTOPIC = "331";
/** A channel's topic. */
export const RPL_TOPIC = "332";
/** `VERSION` answer: `VERSION SERVER :comments`. */
export const RPL_VERSION = "351";
/** One member of `WHO`. */
export const RPL_WHOREPLY = "352";
/** Members of a channel, for `NAMES` and on joining. */
export const RPL_NAMREPLY = "353";
/** End of `NAMES`. */
export const RPL_ENDOFNAMES = "366";
/** One ban mask. */
export const RPL_BANLIST = "367";
/** End of the ban list. */
export const RPL_ENDOFBANLIST = "368";
/** A line of the MOTD. */
export const RPL_MOTD = "372";
/** Start of the MOTD. */
export const RPL_MOTDSTART = "375";
/** End of the MOTD. */
export const RPL_ENDOFMOTD = "376";
/** `OPER` succeeded. */
export const RPL_YOUREOPER = "381";
/** `TIME` answer: `SERVER :the server's local time`. */
export const RPL_TIME = "391";
/** No such nick or channel. */
export const ERR_NOSUCHNICK = "401";
/** No such channel (or not a valid channel name). */
export const ERR_NOSUCHCHANNEL = "403";
/** The message could not go to the channel (not in it, or refused). */
export const ERR_CANNOTSENDTOCHAN = "404";
/** Joining would pass the channels-per-member limit (`CHANLIMIT`). */
export const ERR_TOOMANYCHANNELS = "405";
/** `PING`/`PONG` without a token. */
export const ERR_NOORIGIN = "409";
/** A `CAP` subcommand this server does not know. */
export const ERR_INVALIDCAPCMD = "410";
/** `PRIVMSG` without a target. */
export const ERR_NORECIPIENT = "411";
/** `PRIVMSG` without text. */
export const ERR_NOTEXTTOSEND = "412";
/** A line longer than 512 bytes (+ 4096 of tags). */
export const ERR_INPUTTOOLONG = "417";
/** A command the server does not know. */
export const ERR_UNKNOWNCOMMAND = "421";
/** No MOTD. */
export const ERR_NOMOTD = "422";
/** `NICK` without a nick. */
export const ERR_NONICKNAMEGIVEN = "431";
/** A nick IRC or Lochat does not allow; the rule follows. */
export const ERR_ERRONEUSNICKNAME = "432";
/** A nick in use. */
export const ERR_NICKNAMEINUSE = "433";
/** The target is not in that channel. */
export const ERR_USERNOTINCHANNEL = "441";
/** You are not in that channel. */
export const ERR_NOTONCHANNEL = "442";
/** A command before registration. */
export const ERR_NOTREGISTERED = "451";
/** Too few parameters. */
export const ERR_NEEDMOREPARAMS = "461";
/** `USER` or `PASS` again after registration. */
export const ERR_ALREADYREGISTERED = "462";
/** A wrong or missing server password. */
export const ERR_PASSWDMISMATCH = "464";
/** A channel mode this server does not have. */
export const ERR_UNKNOWNMODE = "472";
/** Only operators may do that. */
export const ERR_NOPRIVILEGES = "481";
/** Only channel operators (Lochat's operators) may do that. */
export const ERR_CHANOPRIVSNEEDED = "482";
/** A user mode this server does not have. */
export const ERR_UMODEUNKNOWNFLAG = "501";
/** Modes of someone else. */
export const ERR_USERSDONTMATCH = "502";
/** SASL: logged in. */
export const RPL_LOGGEDIN = "900";
/** SASL: success. */
export const RPL_SASLSUCCESS = "903";
/** SASL: failed. */
export const ERR_SASLFAIL = "904";
/** SASL: the message was too long. */
export const ERR_SASLTOOLONG = "905";
/** SASL: aborted by the client. */
export const ERR_SASLABORTED = "906";
/** SASL: already authenticated. */
export const ERR_SASLALREADY = "907";
/** SASL: the mechanisms this server has. */
export const RPL_SASLMECHS = "908";
