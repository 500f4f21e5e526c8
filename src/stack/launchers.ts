/**
 * How the two children are started. The LangGraph server has two launchers:
 *  - "startServer" (default): `node langgraph-entry.js`, one process that calls
 *    @langchain/langgraph-api's startServer with our graph and Auth (prebuilt by
 *    scripts/build.mjs; the sources under tsx when that build is stale, see paths.ts);
 *  - "cli-dev": the official `langgraphjs dev` (@langchain/langgraph-cli), given a generated
 *    langgraph.json in the data directory; three processes (CLI, tsx, server).
 * Both keep the server's storage in `<data-dir>/langgraph/.langgraph_api/`.
 */
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { AUTH_ENTRY_SECRET_ENV } from "./auth-options.js";
import type { LangGraphEntryOptions } from "./langgraph-options.js";
import { childCode, packageRoot, sourcePath } from "./paths.js";
import { readyJson, type Service, type ServiceName, spawnService } from "./service.js";

export type LangGraphLauncher = "startServer" | "cli-dev";

export interface AuthReady {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret?: string;
  /** The local OpenID provider (OAuth provider "local"), when it runs. */
  oidcIssuer?: string;
}

export interface LangGraphReady {
  url: string;
}

type Log = ((name: ServiceName, line: string) => void) | undefined;

function explainCommon(line: string): string | undefined {
  if (/EADDRINUSE/.test(line)) {
    const port = /:(\d+)\b/.exec(line.slice(line.indexOf("EADDRINUSE")))?.[1];
    return port ? `port ${port} is already in use` : "its port is already in use";
  }
  if (/SettingsError|SUPABASE_URL is not set/.test(line)) return line.trim();
  return undefined;
}

export function startAuthService(opts: {
  host: string;
  port: number;
  dataDir: string | undefined;
  jwtSecret: string | undefined;
  accessTokenTtl?: number;
  /** false: no local OpenID provider. */
  oidc?: boolean;
  /** GoTrue settings (GOTRUE_*, e.g. from supabase/config.toml); inherited GOTRUE_* are not passed. */
  gotrue?: Record<string, string>;
  env: NodeJS.ProcessEnv;
  log: Log;
  readyTimeoutMs: number;
}): Service<AuthReady> {
  const env: NodeJS.ProcessEnv = { ...opts.env };
  for (const key of Object.keys(env)) if (key.startsWith("GOTRUE_")) delete env[key];
  Object.assign(env, opts.gotrue);
  if (opts.jwtSecret) env[AUTH_ENTRY_SECRET_ENV] = opts.jwtSecret;
  else delete env[AUTH_ENTRY_SECRET_ENV];
  const code = childCode();
  return spawnService<AuthReady>({
    name: "auth",
    args: [
      ...code.nodeArgs(),
      code.module("stack/auth-entry"),
      JSON.stringify({
        port: opts.port,
        host: opts.host,
        dataDir: opts.dataDir,
        ...(opts.accessTokenTtl ? { accessTokenTtl: opts.accessTokenTtl } : {}),
        ...(opts.oidc === false ? { oidc: false } : {}),
      }),
    ],
    env,
    cwd: packageRoot(),
    parseReady: (line) => readyJson<AuthReady & { ready: true }>(line),
    explain: explainCommon,
    log: opts.log,
    readyTimeoutMs: opts.readyTimeoutMs,
  });
}

export interface LangGraphServiceOptions {
  launcher: LangGraphLauncher;
  host: string;
  port: number;
  /** The server's working directory: storage goes to `<cwd>/.langgraph_api/`. */
  cwd: string;
  nWorkers: number;
  withAuth: boolean;
  /** Another Auth module (`file:export`) instead of src/server/auth.ts (tests compare with a stock one). */
  authPath?: string;
  /** Default true; false only to show, in tests, what the Studio header does on a stock server. */
  disableStudioAuth?: boolean;
  env: NodeJS.ProcessEnv;
  log: Log;
  readyTimeoutMs: number;
  /** "startServer" only: start now, take the wired env later via Service.send (see langgraph-options.ts). */
  waitForEnv?: boolean;
  /** "startServer" only: start with empty stores, the snapshots moved aside. */
  resetData?: boolean;
  /** "startServer" only, tests: the stock server's persistence (see langgraph-options.ts). */
  stockStorage?: boolean;
  notice?: (name: ServiceName, line: string) => void;
}

export async function startLangGraphService(opts: LangGraphServiceOptions): Promise<Service<LangGraphReady>> {
  const env: NodeJS.ProcessEnv = { ...opts.env, LANGGRAPH_CLI_NO_ANALYTICS: "1", BROWSER: "none" };
  if (opts.launcher === "startServer") {
    const code = childCode();
    const graphs = { agent: `${code.module("server/graph")}:graph` };
    // With waitForEnv and our Auth, the server starts before the auth server's keys exist,
    // serving the Auth that waits for them; another Auth module may read them when imported.
    const startBeforeEnv = opts.waitForEnv === true && opts.withAuth && !opts.authPath;
    const ourAuth = code.module(startBeforeEnv ? "stack/stack-auth" : "server/auth");
    const auth = opts.withAuth
      ? {
          path: opts.authPath ?? `${ourAuth}:auth`,
          disable_studio_auth: opts.disableStudioAuth ?? true,
        }
      : undefined;
    // another Auth module given as TypeScript (tests) needs the tsx loader
    const needsTsx = auth?.path.slice(0, auth.path.lastIndexOf(":")).endsWith(".ts") ?? false;
    const entry: LangGraphEntryOptions = {
      port: opts.port,
      host: opts.host,
      cwd: opts.cwd,
      nWorkers: opts.nWorkers,
      graphs,
      ...(auth ? { auth } : {}),
      ...(opts.waitForEnv ? { waitForEnv: true } : {}),
      ...(startBeforeEnv ? { startBeforeEnv: true } : {}),
      ...(auth && !opts.authPath && code.authPackages.length > 0 ? { preload: code.authPackages } : {}),
      ...(opts.resetData ? { resetData: true } : {}),
      ...(opts.stockStorage ? { stockStorage: true } : {}),
    };
    return spawnService<LangGraphReady>({
      name: "langgraph",
      args: [...code.nodeArgs(needsTsx), code.module("stack/langgraph-entry"), JSON.stringify(entry)],
      env,
      cwd: opts.cwd,
      parseReady: (line) => readyJson<LangGraphReady & { ready: true }>(line),
      explain: explainCommon,
      log: opts.log,
      notice: opts.notice,
      readyTimeoutMs: opts.readyTimeoutMs,
      stdin: opts.waitForEnv === true,
    });
  }
  // The official dev server reads its settings from a langgraph.json; its graph loader joins
  // absolute paths onto the project directory, so the paths in it are relative. It runs our
  // TypeScript sources through its own tsx.
  const auth = opts.withAuth
    ? {
        path: opts.authPath ?? `${sourcePath("server", "auth.ts")}:auth`,
        disable_studio_auth: opts.disableStudioAuth ?? true,
      }
    : undefined;
  const config = join(opts.cwd, "langgraph.json");
  const rel = (p: string) => `./${relative(opts.cwd, p)}`;
  const devConfig = {
    node_version: "20",
    graphs: { agent: `${rel(sourcePath("server", "graph.ts"))}:graph` },
    ...(auth
      ? {
          auth: {
            ...auth,
            path: `${rel(auth.path.slice(0, auth.path.lastIndexOf(":")))}${auth.path.slice(auth.path.lastIndexOf(":"))}`,
          },
        }
      : {}),
  };
  await writeFile(config, `${JSON.stringify(devConfig, null, 2)}\n`);
  const cli = join(packageRoot(), "node_modules", "@langchain", "langgraph-cli", "dist", "cli", "cli.mjs");
  const running = /Server running at (\S+)/;
  return spawnService<LangGraphReady>({
    name: "langgraph",
    args: [
      cli,
      "dev",
      "--port",
      String(opts.port),
      "--host",
      opts.host,
      "--no-browser",
      "--no-reload",
      "--n-jobs-per-worker",
      String(opts.nWorkers),
      "--config",
      config,
    ],
    env,
    cwd: opts.cwd,
    // it logs (in colour) `Server running at 127.0.0.1:PORT`; colour codes are in the line
    parseReady: (line) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the dev server's log lines are coloured
      const m = running.exec(line.replace(/\u001b\[[0-9;]*m/g, ""));
      const port = m?.[1]?.split(":").pop();
      return port ? { url: `http://${opts.host}:${port}` } : undefined;
    },
    explain: explainCommon,
    log: opts.log,
    readyTimeoutMs: opts.readyTimeoutMs,
  });
}
