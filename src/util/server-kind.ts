/**
 * Which kind of server answers at a base URL: a LangGraph server (`GET /info` answers its
 * `flags`), Supabase Auth (`GET /auth/v1/health` answers GoTrue's name, or the Supabase gateway
 * asks for an API key), something else, or nothing. Asked only after a request failed in a way
 * that suggests the URL is the other server's (a 404 for a route every server of the kind has,
 * an answer that is not JSON), so the error can say which server answered.
 */
import { timeoutSignal } from "./timeout-signal.js";

export type ServerKind = "langgraph" | "supabase-auth" | "other" | "unreachable";

const PROBE_MS = 2_000;

async function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const t = timeoutSignal(PROBE_MS);
  try {
    const res = await fetch(url, { headers, signal: t.signal });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, body: text };
    }
  } finally {
    t.clear();
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The kind of server at `base` (no trailing slash); `apikey` lets the Supabase gateway answer. */
export async function identifyServer(base: string, apikey?: string): Promise<ServerKind> {
  const root = base.replace(/\/+$/, "");
  try {
    const info = await getJson(`${root}/info`, {});
    if (info.status === 200 && isObject(info.body) && isObject(info.body.flags)) return "langgraph";
    const health = await getJson(`${root}/auth/v1/health`, apikey ? { apikey } : {});
    if (isObject(health.body)) {
      if (health.body.name === "GoTrue") return "supabase-auth";
      // the Supabase gateway (Kong) refuses a request without a project key in these words
      const message = health.body.message;
      if (health.status === 401 && typeof message === "string" && /api key/i.test(message)) return "supabase-auth";
    }
    return "other";
  } catch {
    return "unreachable";
  }
}
