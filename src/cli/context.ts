/**
 * What every command receives (gh's Factory and IOStreams in one): the chosen profile and
 * output mode, the server flags, the environment, the terminal (`io`), the `prompter`, and the
 * config store of its own directory. Commands write and ask only through it, so a test runs
 * one in process with captured streams and a scripted prompter (see `World`).
 */
import { ConfigStore, type ServerSettings, readActiveProfile } from "../session/config.js";
import type { SessionContext, SessionLog } from "../session/context.js";
import { configDir } from "../session/paths.js";
import { redact } from "../util/redact.js";
import type { IOStreams } from "./io.js";
import { profileName } from "./parse.js";
import { type Asker, Prompter, inquirerAsker } from "./prompter.js";

export interface GlobalOptions {
  profile?: string;
  json?: boolean;
  debug?: boolean;
  supabaseUrl?: string;
  supabaseAnonKey?: string;
  langgraphUrl?: string;
}

/** What one run of lgauth gets from outside: the terminal, the environment, who answers prompts. */
export interface World {
  io: IOStreams;
  env: NodeJS.ProcessEnv;
  /** Answers prompts; @inquirer/prompts on `io` when not given. */
  asker?: Asker;
  /** The config folder; from the environment (LGAUTH_CONFIG_DIR, XDG_CONFIG_HOME) when not given. */
  configDir?: string;
}

/** Where the context's profile came from: --profile, LGAUTH_PROFILE, `lgauth switch`, or neither. */
export type ProfileSource = "flag" | "env" | "active" | "default";

export interface Context extends SessionContext {
  profileSource: ProfileSource;
  json: boolean;
  debug: boolean;
  /** Colour on stdout (never with --json). */
  color: boolean;
  io: IOStreams;
  prompter: Prompter;
}

/** Where the session layer's messages go: stderr lines, --debug lines redacted. */
export function sessionLog(io: IOStreams, debug: boolean): SessionLog {
  return {
    warn: (text) => io.note(`lgauth: warning: ${text}`),
    info: (text) => io.note(`lgauth: ${text}`),
    debug: debug ? (text) => io.note(`lgauth debug: ${redact(text)}`) : undefined,
  };
}

export function makeContext(opts: GlobalOptions, world: World): Context {
  const { io, env } = world;
  const config = new ConfigStore(world.configDir ?? configDir(env));
  // --profile beats LGAUTH_PROFILE beats the profile `lgauth switch` saved; --profile was
  // checked by its parser, LGAUTH_PROFILE is checked here
  const active = opts.profile === undefined && !env.LGAUTH_PROFILE ? readActiveProfile(config.file) : undefined;
  const profileSource: ProfileSource =
    opts.profile !== undefined ? "flag" : env.LGAUTH_PROFILE ? "env" : active !== undefined ? "active" : "default";
  const profile = opts.profile ?? profileName(env.LGAUTH_PROFILE || active || "default");
  const flags: ServerSettings = {};
  if (opts.supabaseUrl) flags.supabaseUrl = opts.supabaseUrl;
  if (opts.langgraphUrl) flags.langgraphUrl = opts.langgraphUrl;
  if (opts.supabaseAnonKey) flags.supabaseAnonKey = opts.supabaseAnonKey;
  const json = opts.json === true;
  const debug = opts.debug === true;
  const prompter = new Prompter(io, world.asker ?? inquirerAsker(io));
  return {
    profile,
    profileSource,
    json,
    debug,
    color: !json && io.colorEnabled,
    flags,
    env,
    config,
    log: sessionLog(io, debug),
    // asked only by the keychain's timeouts: looking at stdin costs start-up time
    get interactive() {
      return prompter.available;
    },
    io,
    prompter,
  };
}
