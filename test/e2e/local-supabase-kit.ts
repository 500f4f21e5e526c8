/**
 * Shared bits of the local-supabase conformance tests: a real supabase-js client per test user
 * and raw HTTP helpers. Realtime is never used here; Node 20 has no WebSocket, so supabase-js
 * needs some transport to construct: NoRealtime is a named stand-in that throws if ever used.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { LocalSupabase } from "../../src/local-supabase/index.js";
import type { OutboxMessage as ServerOutboxMessage } from "../../src/local-supabase/outbox.js";

class NoRealtime {
  constructor() {
    throw new Error("realtime is not used by the local-supabase tests");
  }
}

export function client(
  server: Pick<LocalSupabase, "url" | "anonKey">,
  key = server.anonKey,
  flowType: "implicit" | "pkce" = "implicit",
  /** supabase-js's experimental switches, e.g. { passkey: true } for auth.admin.passkey */
  experimental?: { passkey?: boolean },
): SupabaseClient {
  return createClient(server.url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, flowType, experimental },
    realtime: { transport: NoRealtime as never },
  });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** A raw call to /auth/v1<path>; `apikey` defaults to the anon key, null sends none. */
export async function raw(
  server: LocalSupabase,
  method: string,
  path: string,
  opts: { apikey?: string | null; bearer?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const apikey = opts.apikey === undefined ? server.anonKey : opts.apikey;
  if (apikey !== null) headers.apikey = apikey;
  if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
  const res = await fetch(`${server.url}/auth/v1${path}`, {
    method,
    headers,
    body: typeof opts.body === "string" ? opts.body : opts.body && new Uint8Array(opts.body),
    redirect: "manual",
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON; callers check `text`
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** What the local outbox holds for one email (the tests read only mail that has a link). */
export type OutboxMessage = Required<ServerOutboxMessage>;

/** The local outbox (optionally only mail to `to`), read the one way it answers: service_role key as apikey and Bearer. */
export async function outbox(server: LocalSupabase, to?: string): Promise<OutboxMessage[]> {
  const query = to === undefined ? "" : `?email=${encodeURIComponent(to)}`;
  const box = await raw(server, "GET", `/_dev/outbox${query}`, {
    apikey: server.serviceRoleKey,
    bearer: server.serviceRoleKey,
  });
  if (box.status !== 200) throw new Error(`outbox answered ${box.status}: ${box.text.slice(0, 200)}`);
  return box.json.messages as OutboxMessage[];
}

export const V2024 = { "X-Supabase-Api-Version": "2024-01-01", "Content-Type": "application/json" };

let counter = 0;
export function email(tag: string): string {
  counter += 1;
  return `${tag}-${process.pid}-${counter}@example.com`;
}
