/**
 * For the server end-to-end tests: one local Supabase Auth server (real, via startStack with
 * `only: "auth"`) and any number of LangGraph servers pointed at it, booted in parallel
 * (a LangGraph server takes seconds to boot, so each test file boots its servers once).
 * Users are created through the auth server with the real supabase-js client.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { createClient, type SupabaseClient, type SupabaseClientOptions } from "@supabase/supabase-js";
import { type Stack, startStack } from "../../src/stack/index.js";
import { startLangGraphService } from "../../src/stack/launchers.js";
import type { Service } from "../../src/stack/service.js";

export interface LangGraphSpec {
  env?: NodeJS.ProcessEnv;
  /** `file:export` of another Auth (e.g. the tutorial's); default our src/server/auth.ts. */
  authPath?: string;
  disableStudioAuth?: boolean;
  withoutAuth?: boolean;
}

export interface TestStack {
  auth: Stack;
  langgraph: string[];
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestStack(specs: LangGraphSpec[], opts: { jwtSecret?: string } = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), "lgauth-server-test-"));
  const services: Service<{ url: string }>[] = [];
  let auth: Stack | undefined;
  const stopAll = async () => {
    await Promise.all(services.map((s) => s.stop()));
    await auth?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // LangGraph servers first: they import their modules while the auth server boots
    for (const [i, spec] of specs.entries()) {
      const cwd = join(dataDir, `langgraph-${i}`);
      await mkdir(cwd, { recursive: true });
      services.push(
        await startLangGraphService({
          launcher: "startServer",
          host: "127.0.0.1",
          port: 0,
          cwd,
          nWorkers: 2,
          withAuth: !spec.withoutAuth,
          authPath: spec.authPath,
          disableStudioAuth: spec.disableStudioAuth,
          env: process.env,
          log: undefined,
          readyTimeoutMs: 60_000,
          waitForEnv: true,
        }),
      );
    }
    auth = await startStack({ dataDir, authInMemory: true, authPort: 0, only: "auth", jwtSecret: opts.jwtSecret });
    const wired: Record<string, string> = {
      SUPABASE_URL: auth.supabaseUrl,
      SUPABASE_ANON_KEY: auth.anonKey,
      SUPABASE_SERVICE_KEY: auth.serviceRoleKey,
      ...(auth.jwtSecret ? { SUPABASE_JWT_SECRET: auth.jwtSecret } : {}),
    };
    const urls = await Promise.all(
      services.map(async (service, i) => {
        const env: Record<string, string> = { ...wired };
        for (const [k, v] of Object.entries(specs[i]?.env ?? {})) if (v !== undefined) env[k] = v;
        service.send(JSON.stringify({ env }));
        return (await service.ready).url;
      }),
    );
    return { auth, langgraph: urls, dataDir, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
  supabase: SupabaseClient;
}

let counter = 0;

/** supabase-js builds a realtime client eagerly; on Node 20 (no WebSocket) it needs a transport. Never used. */
type RealtimeTransport = NonNullable<NonNullable<SupabaseClientOptions<"public">["realtime"]>["transport"]>;
const NoRealtime = class {
  constructor() {
    throw new Error("the server tests do not use Supabase Realtime");
  }
} as unknown as RealtimeTransport;

/** Signs a new user up (the local server confirms at once) and returns their access token. */
export async function createUser(stack: Stack, name: string): Promise<TestUser> {
  const supabase = createClient(stack.supabaseUrl, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: NoRealtime },
  });
  counter += 1;
  const email = `${name}.${process.pid}.${counter}@example.com`;
  const { data, error } = await supabase.auth.signUp({ email, password: `pw-${name}-Secret-123` });
  if (error) throw error;
  const session = data.session;
  if (!session || !data.user) throw new Error("signup returned no session (email confirmation on?)");
  return { id: data.user.id, email, token: session.access_token, supabase };
}

export function lgClient(url: string, token?: string, headers: Record<string, string> = {}): Client {
  return new Client({
    apiUrl: url,
    apiKey: null,
    defaultHeaders: token ? { Authorization: `Bearer ${token}`, ...headers } : headers,
    callerOptions: { maxRetries: 0 },
  });
}

/** The HTTP status of a failed SDK call (the SDK's HTTPError is not exported). */
export async function statusOf(p: Promise<unknown>): Promise<{ status: number; text: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status?: number; text?: string; message?: string };
    if (typeof e.status === "number") return { status: e.status, text: e.text ?? e.message ?? "" };
    throw err;
  }
  return { status: 200, text: "" };
}

/** Raw HTTP for routes the SDK does not reach or for exact headers. */
export async function http(
  url: string,
  init: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}
