import type { Config, ServerSettings } from "./config.js";

export const BUILTIN_DEFAULTS = {
  supabaseUrl: "http://127.0.0.1:54321",
  langgraphUrl: "http://127.0.0.1:2024",
} as const;

export type SettingSource = "flag" | "env" | "profile" | "config-default" | "builtin" | "unset";

export interface ResolvedSettings {
  supabaseUrl: string;
  supabaseAnonKey: string | undefined;
  langgraphUrl: string;
  sources: Record<keyof ServerSettings, SettingSource>;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): ServerSettings {
  const out: ServerSettings = {};
  if (env.SUPABASE_URL) out.supabaseUrl = env.SUPABASE_URL;
  if (env.SUPABASE_ANON_KEY) out.supabaseAnonKey = env.SUPABASE_ANON_KEY;
  if (env.LANGGRAPH_URL) out.langgraphUrl = env.LANGGRAPH_URL;
  return out;
}

/** Flags beat env beat the profile's saved config beat the config defaults beat built-ins. */
export function resolveSettings(
  flags: ServerSettings,
  env: NodeJS.ProcessEnv,
  config: Config,
  profile: string,
): ResolvedSettings {
  const layers: [SettingSource, ServerSettings][] = [
    ["flag", flags],
    ["env", settingsFromEnv(env)],
    ["profile", config.profiles[profile] ?? {}],
    ["config-default", config.defaults],
    ["builtin", BUILTIN_DEFAULTS],
  ];
  const pick = (key: keyof ServerSettings): [string | undefined, SettingSource] => {
    for (const [source, layer] of layers) {
      const value = layer[key];
      if (value !== undefined && value !== "") return [value, source];
    }
    return [undefined, "unset"];
  };
  const [supabaseUrl, s1] = pick("supabaseUrl");
  const [supabaseAnonKey, s2] = pick("supabaseAnonKey");
  const [langgraphUrl, s3] = pick("langgraphUrl");
  return {
    supabaseUrl: (supabaseUrl ?? BUILTIN_DEFAULTS.supabaseUrl).replace(/\/+$/, ""),
    supabaseAnonKey,
    langgraphUrl: (langgraphUrl ?? BUILTIN_DEFAULTS.langgraphUrl).replace(/\/+$/, ""),
    sources: { supabaseUrl: s1, supabaseAnonKey: s2, langgraphUrl: s3 },
  };
}
