/** Where the stack's pieces live, both when run from source and from the bundled CLI. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

let cachedRoot: string | undefined;

/** The lgauth package root: the nearest directory above this module with lgauth's package.json. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "lgauth") {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the lgauth package root (package.json)");
    dir = parent;
  }
}

export function sourcePath(...parts: string[]): string {
  return join(packageRoot(), "src", ...parts);
}

/** `file:` URL of tsx's loader, for `node --import <it> entry.ts` (one process, no tsx CLI wrapper). */
export function tsxLoaderUrl(): string {
  return pathToFileURL(join(packageRoot(), "node_modules", "tsx", "dist", "loader.mjs")).href;
}

/** `$LGAUTH_DATA_DIR`, else `$XDG_DATA_HOME/lgauth/stack`, else `~/.local/share/lgauth/stack`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LGAUTH_DATA_DIR) return resolve(env.LGAUTH_DATA_DIR);
  const xdg = env.XDG_DATA_HOME?.startsWith("/") ? env.XDG_DATA_HOME : undefined;
  return join(xdg ?? join(homedir(), ".local", "share"), "lgauth", "stack");
}
