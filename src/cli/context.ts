import { UsageError } from "./errors.js";
import { wantsColor } from "./output.js";
import { PROFILE_NAME, type ServerSettings } from "../session/config.js";

export interface GlobalOptions {
  profile?: string;
  json?: boolean;
  debug?: boolean;
  supabaseUrl?: string;
  supabaseAnonKey?: string;
  langgraphUrl?: string;
}

/** What every command receives: the chosen profile, output mode and server flags. */
export interface Context {
  profile: string;
  json: boolean;
  debug: boolean;
  color: boolean;
  flags: ServerSettings;
  env: NodeJS.ProcessEnv;
}

function checkUrlFlag(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return value;
  } catch {
    // fall through to the usage error
  }
  throw new UsageError(`${name} must be an http(s) URL`, `for example ${name} http://127.0.0.1:54321`);
}

export function makeContext(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Context {
  const profile = opts.profile ?? env.LGAUTH_PROFILE ?? "default";
  if (!PROFILE_NAME.test(profile)) {
    throw new UsageError(
      `invalid profile name "${profile.slice(0, 64)}"`,
      "use letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  const flags: ServerSettings = {};
  const supabaseUrl = checkUrlFlag("--supabase-url", opts.supabaseUrl);
  const langgraphUrl = checkUrlFlag("--langgraph-url", opts.langgraphUrl);
  if (supabaseUrl) flags.supabaseUrl = supabaseUrl;
  if (langgraphUrl) flags.langgraphUrl = langgraphUrl;
  if (opts.supabaseAnonKey) flags.supabaseAnonKey = opts.supabaseAnonKey;
  const json = opts.json === true;
  return {
    profile,
    json,
    debug: opts.debug === true,
    color: !json && wantsColor(),
    flags,
    env,
  };
}
