import { homedir } from "node:os";
import { join } from "node:path";

/** `$LGAUTH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/lgauth`, else `~/.config/lgauth`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.LGAUTH_CONFIG_DIR) return env.LGAUTH_CONFIG_DIR;
  const xdg = env.XDG_CONFIG_HOME?.startsWith("/") ? env.XDG_CONFIG_HOME : undefined;
  return join(xdg ?? join(homedir(), ".config"), "lgauth");
}

export function configFile(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), "config.json");
}
