import type { ConfigStore, ServerSettings } from "./config.js";

/**
 * How the session layer reaches the person: lines the CLI prints on stderr. The session never
 * writes to a stream itself, so a command runs the same in a terminal, a script or a test.
 */
export interface SessionLog {
  /** Something the user should know went wrong or is unsafe (the CLI adds "warning:"). */
  warn(text: string): void;
  /** Progress the user should see ("waiting for the keychain…"). */
  info(text: string): void;
  /** Request-level detail for --debug; undefined without it. Callers pass no secrets. */
  debug?: ((text: string) => void) | undefined;
}

/**
 * What session functions need from a command's context (the CLI's Context fits): the profile,
 * the environment it reads settings and LGAUTH_* switches from, the server flags, the config
 * store of its own directory, where its messages go, and whether someone can answer a prompt.
 */
export interface SessionContext {
  profile: string;
  env: NodeJS.ProcessEnv;
  flags: ServerSettings;
  config: ConfigStore;
  log: SessionLog;
  /** A person is at the terminal: a keychain write may wait while they unlock it. */
  interactive: boolean;
}
