/** Where the stack's pieces live, both when run from source and from the bundled CLI. */
import { existsSync, readFileSync, statSync } from "node:fs";
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

/**
 * The code the stack's children run: the modules scripts/build.mjs prebuilt under
 * `dist/children/` (plain node, no loader), or, when that build is missing or older than one
 * of the sources it was made from (someone edited src/ and did not rebuild), the sources
 * themselves under tsx.
 */
export interface ChildCode {
  prebuilt: boolean;
  /** npm packages the prebuilt Auth modules (server/auth, stack/stack-auth) import; [] for sources. */
  authPackages: string[];
  /** `stack/auth-entry` -> dist/children/stack/auth-entry.js or src/stack/auth-entry.ts. */
  module(name: string): string;
  /** Node arguments before the entry file; `needsTsx` forces the tsx loader (a .ts module was given). */
  nodeArgs(needsTsx?: boolean): string[];
}

/** The build's manifest (dist/children/inputs.json) when no source it lists changed since. */
function currentManifest(root: string): { authPackages: string[] } | undefined {
  const dir = join(root, "dist", "children");
  try {
    const manifest = JSON.parse(readFileSync(join(dir, "inputs.json"), "utf8")) as {
      inputs?: unknown;
      authPackages?: unknown;
    };
    if (!Array.isArray(manifest.inputs) || manifest.inputs.length === 0) return undefined;
    const built = statSync(join(dir, "inputs.json")).mtimeMs;
    for (const input of manifest.inputs) {
      if (typeof input !== "string") return undefined;
      const source = statSync(join(root, input), { throwIfNoEntry: false });
      if (!source || source.mtimeMs > built) return undefined;
    }
    const packages = Array.isArray(manifest.authPackages) ? manifest.authPackages : [];
    return { authPackages: packages.filter((p): p is string => typeof p === "string") };
  } catch {
    return undefined;
  }
}

export function childCode(): ChildCode {
  const root = packageRoot();
  const manifest = currentManifest(root);
  const prebuilt = manifest !== undefined;
  const tsx = ["--import", tsxLoaderUrl()];
  return {
    prebuilt,
    authPackages: manifest?.authPackages ?? [],
    module: (name) => (prebuilt ? join(root, "dist", "children", `${name}.js`) : join(root, "src", `${name}.ts`)),
    nodeArgs: (needsTsx = false) => (prebuilt && !needsTsx ? [] : tsx),
  };
}

/** `$LGAUTH_DATA_DIR`, else `$XDG_DATA_HOME/lgauth/stack`, else `~/.local/share/lgauth/stack`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LGAUTH_DATA_DIR) return resolve(env.LGAUTH_DATA_DIR);
  const xdg = env.XDG_DATA_HOME?.startsWith("/") ? env.XDG_DATA_HOME : undefined;
  return join(xdg ?? join(homedir(), ".local", "share"), "lgauth", "stack");
}
