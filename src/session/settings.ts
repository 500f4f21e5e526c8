import { readStackState } from "../stack/state.js";
import { UsageError } from "../util/errors.js";
import { httpUrlProblem } from "../util/http-url.js";
import { processRunning } from "../util/process.js";
import type { Config, SavedServers, ServerSettings } from "./config.js";

import { BUILTIN_DEFAULTS } from "./defaults.js";

export { BUILTIN_DEFAULTS };

export type SettingSource = "flag" | "env" | "profile" | "local-stack" | "config-default" | "builtin" | "unset";

export interface ResolvedSettings {
  supabaseUrl: string;
  supabaseAnonKey: string | undefined;
  langgraphUrl: string;
  sources: Record<keyof ServerSettings, SettingSource>;
  /** The data directory of the local stack the Supabase URL came from (source "local-stack"). */
  localStack: string | undefined;
  /**
   * A local stack the profile (or the defaults) follows is not running, and the Supabase URL
   * came from a layer below it: that URL is a guess. See `requireRunningStack`.
   */
  localStackDown: string | undefined;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): ServerSettings {
  const out: ServerSettings = {};
  if (env.SUPABASE_URL) out.supabaseUrl = env.SUPABASE_URL;
  if (env.SUPABASE_ANON_KEY) out.supabaseAnonKey = env.SUPABASE_ANON_KEY;
  if (env.LANGGRAPH_URL) out.langgraphUrl = env.LANGGRAPH_URL;
  return out;
}

/**
 * A URL the environment gives, checked as its flag is (parse.ts `httpUrl`): a usage error naming
 * the variable rather than "Invalid URL" from the first request. Only a value in use is checked
 * (a flag beats it).
 */
function checkEnvUrl(name: string, value: string, example: string): void {
  const problem = httpUrlProblem(value);
  if (problem === undefined) return;
  throw new UsageError(`${name} ${problem}`, `for example ${name}=${example}, or unset it`);
}

/** What a local stack serves now, from its state file; undefined when it is not running. */
export function localStackServers(dataDir: string): ServerSettings | undefined {
  const state = readStackState(dataDir);
  // a state file left by a killed `lgauth dev` names a process that is gone
  if (!state || !processRunning(state.pid)) return undefined;
  return {
    supabaseUrl: state.supabaseUrl,
    supabaseAnonKey: state.anonKey,
    ...(state.langgraphUrl ? { langgraphUrl: state.langgraphUrl } : {}),
  };
}

function ownServers(saved: SavedServers): ServerSettings {
  const out: ServerSettings = {};
  if (saved.supabaseUrl !== undefined) out.supabaseUrl = saved.supabaseUrl;
  if (saved.supabaseAnonKey !== undefined) out.supabaseAnonKey = saved.supabaseAnonKey;
  if (saved.langgraphUrl !== undefined) out.langgraphUrl = saved.langgraphUrl;
  return out;
}

/** A profile's (or the defaults') servers now: its own URLs, else its local stack's current ones. */
export function savedServers(saved: SavedServers): ServerSettings {
  const stack = saved.localStack ? localStackServers(saved.localStack) : undefined;
  return { ...stack, ...ownServers(saved) };
}

/** True when a profile's Supabase URL is its local stack's (its keychain entries are named by the stack). */
export function followsLocalStack(saved: SavedServers | undefined): boolean {
  return saved?.localStack !== undefined && saved.supabaseUrl === undefined;
}

interface Layer {
  source: SettingSource;
  values: ServerSettings;
  /** For a local-stack layer: its data directory and whether it runs. */
  stack?: { dataDir: string; running: boolean };
}

function layersOf(saved: SavedServers, source: SettingSource): Layer[] {
  const layers: Layer[] = [{ source, values: ownServers(saved) }];
  if (saved.localStack) {
    const now = localStackServers(saved.localStack);
    layers.push({
      source: "local-stack",
      values: now ?? {},
      stack: { dataDir: saved.localStack, running: now !== undefined },
    });
  }
  return layers;
}

/**
 * Flags beat env beat the profile's saved config beat the config defaults beat built-ins. A
 * profile or the defaults may follow a local stack: its current URLs (state file) come right
 * after the URLs saved beside it.
 */
export function resolveSettings(
  flags: ServerSettings,
  env: NodeJS.ProcessEnv,
  config: Config,
  profile: string,
): ResolvedSettings {
  const layers: Layer[] = [
    { source: "flag", values: flags },
    { source: "env", values: settingsFromEnv(env) },
    ...layersOf(config.profiles[profile] ?? {}, "profile"),
    ...layersOf(config.defaults, "config-default"),
    { source: "builtin", values: BUILTIN_DEFAULTS },
  ];
  const pick = (key: keyof ServerSettings): [string | undefined, SettingSource, Layer | undefined] => {
    for (const layer of layers) {
      const value = layer.values[key];
      if (value !== undefined && value !== "") return [value, layer.source, layer];
    }
    return [undefined, "unset", undefined];
  };
  const [supabaseUrl, s1, from] = pick("supabaseUrl");
  const [supabaseAnonKey, s2] = pick("supabaseAnonKey");
  const [langgraphUrl, s3] = pick("langgraphUrl");
  if (s1 === "env" && supabaseUrl) checkEnvUrl("SUPABASE_URL", supabaseUrl, BUILTIN_DEFAULTS.supabaseUrl);
  if (s3 === "env" && langgraphUrl) checkEnvUrl("LANGGRAPH_URL", langgraphUrl, BUILTIN_DEFAULTS.langgraphUrl);
  let localStackDown: string | undefined;
  for (const layer of layers) {
    if (layer === from) break;
    if (layer.stack && !layer.stack.running) {
      localStackDown = layer.stack.dataDir;
      break;
    }
  }
  return {
    supabaseUrl: (supabaseUrl ?? BUILTIN_DEFAULTS.supabaseUrl).replace(/\/+$/, ""),
    supabaseAnonKey,
    langgraphUrl: (langgraphUrl ?? BUILTIN_DEFAULTS.langgraphUrl).replace(/\/+$/, ""),
    sources: { supabaseUrl: s1, supabaseAnonKey: s2, langgraphUrl: s3 },
    localStack: s1 === "local-stack" ? from?.stack?.dataDir : undefined,
    localStackDown,
  };
}
