/**
 * A real LangGraph server with our graph and Auth, trusting the given Supabase Auth: the
 * server half of the conversation, fault and OAuth tests and of the CLI benchmarks. A child
 * process in its own folder under `dir`, stopped by pid with `service.stop()`.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { startLangGraphService } from "../../src/stack/launchers.js";
import type { Service } from "../../src/stack/service.js";

export interface SupabaseKeys {
  url: string;
  anonKey: string;
  serviceRoleKey?: string;
}

export interface OurLangGraph {
  service: Service<{ url: string }>;
  url: string;
}

export async function startOurLangGraph(
  auth: SupabaseKeys,
  opts: {
    dir: string;
    env?: NodeJS.ProcessEnv;
    nWorkers?: number;
    log?: (name: string, line: string) => void;
  },
): Promise<OurLangGraph> {
  const cwd = join(opts.dir, "langgraph");
  await mkdir(cwd, { recursive: true });
  const service = await startLangGraphService({
    launcher: "startServer",
    host: "127.0.0.1",
    port: 0,
    cwd,
    nWorkers: opts.nWorkers ?? 2,
    withAuth: true,
    env: {
      ...process.env,
      SUPABASE_URL: auth.url,
      SUPABASE_ANON_KEY: auth.anonKey,
      ...(auth.serviceRoleKey ? { SUPABASE_SERVICE_KEY: auth.serviceRoleKey } : {}),
      ...opts.env,
    },
    log: opts.log,
    readyTimeoutMs: 90_000,
  });
  try {
    return { service, url: (await service.ready).url };
  } catch (err) {
    await service.stop();
    throw err;
  }
}
