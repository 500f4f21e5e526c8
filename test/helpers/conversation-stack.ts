/**
 * For the conversation tests: a real local Supabase Auth server (in this process, so the test
 * can choose a short access-token lifetime) and a real LangGraph server with our graph and
 * Auth (a child process, stopped by pid), plus a private config dir for the CLI. Commands run
 * in this process (`cli`, src/cli/run.ts with captured streams) or as the binary (`binary`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import type { Service } from "../../src/stack/service.js";
import { type CliResult, runCli } from "./cli.js";
import { lgauthInProcess } from "./lgauth-in-process.js";
import { startOurLangGraph } from "./our-langgraph.js";

export interface ConversationStack {
  auth: LocalSupabase;
  langgraphUrl: string;
  dir: string;
  /** Environment for `lgauth` pointing at this stack, with its own config dir. */
  env: NodeJS.ProcessEnv;
  /** lgauth --profile <profile> <args>, in this process. */
  cli(profile: string, args: string[], stdin?: string): Promise<CliResult>;
  /** The same as the built binary, a child process. */
  binary(profile: string, args: string[], stdin?: string): Promise<CliResult>;
  signup(profile: string, email: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startConversationStack(
  opts: { accessTokenTtl?: number; tokenDelayMs?: number } = {},
): Promise<ConversationStack> {
  const dir = await mkdtemp(join(tmpdir(), "lgauth-conv-"));
  let auth: LocalSupabase | undefined;
  let langgraph: Service<{ url: string }> | undefined;
  const stop = async () => {
    await langgraph?.stop();
    await auth?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    auth = await startLocalSupabase({ port: 0, accessTokenTtl: opts.accessTokenTtl ?? 3600 });
    const server = await startOurLangGraph(auth, {
      dir,
      env: { LGAUTH_OFFLINE_TOKEN_DELAY_MS: String(opts.tokenDelayMs ?? 5) },
    });
    langgraph = server.service;
    const langgraphUrl = server.url;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LGAUTH_CONFIG_DIR: join(dir, "config"),
      SUPABASE_URL: auth.url,
      SUPABASE_ANON_KEY: auth.anonKey,
      LANGGRAPH_URL: langgraphUrl,
      LGAUTH_CREDENTIAL_STORE: "file",
      NO_COLOR: "1",
    };
    for (const k of ["LGAUTH_PROFILE", "LGAUTH_ACCESS_TOKEN", "LANGSMITH_API_KEY", "DBUS_SESSION_BUS_ADDRESS"])
      delete env[k];
    const cli = (profile: string, args: string[], stdin?: string) =>
      lgauthInProcess(["--profile", profile, ...args], { env, ...(stdin !== undefined ? { stdin } : {}) });
    const binary = (profile: string, args: string[], stdin?: string) =>
      runCli(["--profile", profile, ...args], { env, ...(stdin !== undefined ? { stdin } : {}), timeoutMs: 60_000 });
    const started = auth;
    return {
      auth: started,
      langgraphUrl,
      dir,
      env,
      cli,
      binary,
      async signup(profile, email, password) {
        const r = await cli(profile, ["signup", "--email", email, "--password-stdin"], `${password}\n`);
        if (r.code !== 0) throw new Error(`signup ${profile} failed (${r.code}): ${r.stderr}`);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
