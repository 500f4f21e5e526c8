/**
 * Routes of the LangGraph.js dev server (api 1.5.1) that authenticate but never authorize, so
 * the owner filter cannot protect them. `authenticate` refuses them by path before anything
 * else happens (reference/langgraph-auth.md section 2, "Routes with NO or broken authorization"):
 *
 *  - `POST /internal/truncate` wipes every user's data;
 *  - `GET /runs/{run_id}/stream` joins any run's token stream without looking at its thread;
 *  - the protocol-v2 thread sessions `/threads/{id}/commands` and `/threads/{id}/stream/events`
 *    (SSE and WebSocket) reuse the auth of whoever opened the session first.
 *
 * Beyond those, only the route families the SDK client uses are let through, so a route a
 * future server version adds is refused until someone has checked it.
 */

export interface RouteVerdict {
  allowed: boolean;
  reason?: string;
}

const ALLOWED_ROOTS = new Set(["assistants", "threads", "runs", "store", "ok", "info"]);

/**
 * The path the server routes on: hono percent-decodes it, so `/internal/%74runcate` reaches
 * the truncate handler. We decode the same way, collapse repeated slashes and ignore a
 * trailing slash and letter case, so every spelling of a refused route is refused.
 */
export function normalizePath(rawUrl: string): string {
  let path: string;
  try {
    path = new URL(rawUrl, "http://localhost").pathname;
  } catch {
    path = rawUrl.split(/[?#]/, 1)[0] ?? "/";
  }
  for (let i = 0; i < 3 && path.includes("%"); i++) {
    try {
      path = decodeURIComponent(path);
    } catch {
      break;
    }
  }
  path = path.replace(/[\\]/g, "/").replace(/\/{2,}/g, "/");
  if (path.length > 1) path = path.replace(/\/+$/, "");
  return path.toLowerCase();
}

export function checkRoute(rawUrl: string): RouteVerdict {
  const path = normalizePath(rawUrl);
  const segments = path.split("/").filter((s) => s !== "");
  const [root, second, third] = segments;
  if (root === undefined) return { allowed: false, reason: "route not exposed by this server" };
  if (root === "internal") return { allowed: false, reason: "internal routes are disabled on this server" };
  if (!ALLOWED_ROOTS.has(root)) return { allowed: false, reason: "route not exposed by this server" };
  if (root === "runs" && segments.length >= 3 && third === "stream" && second !== "crons") {
    return {
      allowed: false,
      reason: "join a run's stream through its thread: GET /threads/{thread_id}/runs/{run_id}/stream",
    };
  }
  if (root === "threads" && second !== undefined) {
    const rest = segments.slice(2).join("/");
    if (rest === "commands" || rest.startsWith("stream/events") || rest === "stream") {
      return { allowed: false, reason: "protocol-v2 thread sessions are disabled on this server" };
    }
  }
  return { allowed: true };
}
