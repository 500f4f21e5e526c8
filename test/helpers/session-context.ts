/** A SessionContext for tests that call the session layer directly (no CLI). */
import { ConfigStore, type ServerSettings } from "../../src/session/config.js";
import type { SessionContext } from "../../src/session/context.js";
import { configDir } from "../../src/session/paths.js";

export interface TestSessionContext extends SessionContext {
  /** Every warn/info line the session layer sent, in order. */
  messages: string[];
}

export function sessionContext(
  options: {
    profile?: string;
    env?: NodeJS.ProcessEnv;
    dir?: string;
    flags?: ServerSettings;
    interactive?: boolean;
  } = {},
): TestSessionContext {
  const env = options.env ?? process.env;
  const messages: string[] = [];
  return {
    profile: options.profile ?? "default",
    env,
    flags: options.flags ?? {},
    config: new ConfigStore(options.dir ?? configDir(env)),
    log: { warn: (t) => messages.push(`warning: ${t}`), info: (t) => messages.push(t) },
    interactive: options.interactive ?? false,
    messages,
  };
}
