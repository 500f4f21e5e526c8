/**
 * For the fault-injection suites: the real local Supabase Auth server in this process (so a
 * test can stop it: "Supabase Auth down") and, optionally, a real LangGraph server with our
 * graph and Auth as a child (its pid is exposed so a test can SIGKILL it mid-stream). Every
 * line the LangGraph server logs is kept for the secret recorder. CLI runs use a private
 * config dir and the 0600 file store.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import type { Service } from "../../src/stack/service.js";
import { closedPort } from "./closed-port.js";
import { startOurLangGraph } from "./our-langgraph.js";

export interface FaultStack {
  auth: LocalSupabase;
  authStopped: boolean;
  langgraph: Service<{ url: string }> | undefined;
  langgraphUrl: string;
  /** Everything the LangGraph server logged. */
  serverLog: string[];
  dir: string;
  env: NodeJS.ProcessEnv;
  stopAuth(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultStack(
  opts: { langgraph?: boolean; accessTokenTtl?: number; tokenDelayMs?: number; serverEnv?: NodeJS.ProcessEnv } = {},
): Promise<FaultStack> {
  const dir = await mkdtemp(join(tmpdir(), "lgauth-fault-"));
  const serverLog: string[] = [];
  let auth: LocalSupabase | undefined;
  let langgraph: Service<{ url: string }> | undefined;
  let authStopped = false;
  const stopAuth = async () => {
    if (authStopped) return;
    authStopped = true;
    await auth?.stop();
  };
  try {
    auth = await startLocalSupabase({ port: 0, accessTokenTtl: opts.accessTokenTtl ?? 3600 });
    let langgraphUrl = `http://127.0.0.1:${await closedPort()}`;
    if (opts.langgraph) {
      const started = await startOurLangGraph(auth, {
        dir,
        env: {
          LGAUTH_OFFLINE_TOKEN_DELAY_MS: String(opts.tokenDelayMs ?? 5),
          AUTH_UPSTREAM_TIMEOUT: "2",
          ...opts.serverEnv,
        },
        log: (_name, line) => {
          serverLog.push(line);
        },
      });
      langgraph = started.service;
      langgraphUrl = started.url;
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LGAUTH_CONFIG_DIR: join(dir, "config"),
      SUPABASE_URL: auth.url,
      SUPABASE_ANON_KEY: auth.anonKey,
      LANGGRAPH_URL: langgraphUrl,
      LGAUTH_CREDENTIAL_STORE: "file",
      NO_COLOR: "1",
    };
    for (const k of ["LGAUTH_PROFILE", "LGAUTH_ACCESS_TOKEN", "LANGSMITH_API_KEY", "DBUS_SESSION_BUS_ADDRESS", "CI"])
      delete env[k];
    const started = auth;
    const stack: FaultStack = {
      auth: started,
      get authStopped() {
        return authStopped;
      },
      langgraph,
      langgraphUrl,
      serverLog,
      dir,
      env,
      stopAuth,
      async stop() {
        await langgraph?.stop();
        await stopAuth();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (err) {
    await langgraph?.stop();
    await auth?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
