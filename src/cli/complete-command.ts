/**
 * The hidden command the completion scripts call for names only lgauth knows at run time:
 * `lgauth [--profile P] __complete profiles|threads|runs [<thread>]`, one candidate per line.
 * A module of its own: every command registers it, while the scripts (completion.ts) load only
 * for `lgauth completion`.
 */
export const COMPLETE_COMMAND = "__complete";
