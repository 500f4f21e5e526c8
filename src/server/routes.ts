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
 * future server version adds is refused until someone has checked it. `runScopeOf` names the
 * thread and run of `/threads/{thread_id}/runs/{run_id}/…`, which `authenticate` checks against
 * the server's storage (run-scope.ts): a path alone cannot say whether a run is on a thread.
 */

export interface RouteVerdict {
  allowed: boolean;
  reason?: string;
}

const ALLOWED_ROOTS = new Set(["assistants", "threads", "runs", "store", "ok", "info"]);

/**
 * The path the server routes on: hono percent-decodes it, so `/internal/%74runcate` reaches
 * the truncate handler. We decode the same way (more often, if need be), collapse repeated
 * slashes and ignore a trailing slash, keeping letter case (ids are looked up as given).
 */
function decodedPath(rawUrl: string): string {
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
  return path;
}

/** {@link decodedPath} in lower case, so every spelling of a refused route is refused. */
export function normalizePath(rawUrl: string): string {
  return decodedPath(rawUrl).toLowerCase();
}

/** A request about one run, named through one thread. */
export interface RunScope {
  threadId: string;
  runId: string;
}

/** Words after `/threads/{id}/runs/` that create runs rather than name one. */
const RUN_CREATION = new Set(["stream", "wait", "crons"]);

/**
 * The thread and run a `/threads/{thread_id}/runs/{run_id}[/…]` request names (get, delete,
 * cancel, join, stream, and whatever a later server adds under it), or undefined for any other
 * route. The server checks neither that the run is on that thread before its stream routes read
 * the run's event queue, so `authenticate` looks the pair up in the server's storage (see
 * run-scope.ts). Ids are returned decoded and in their own letter case: the storage keys are
 * case-sensitive, and an id the lookup does not find is refused.
 */
export function runScopeOf(rawUrl: string): RunScope | undefined {
  const segments = decodedPath(rawUrl)
    .split("/")
    .filter((s) => s !== "");
  const [root, threadId, runs, runId] = segments;
  if (root?.toLowerCase() !== "threads" || runs?.toLowerCase() !== "runs") return undefined;
  if (threadId === undefined || runId === undefined || RUN_CREATION.has(runId.toLowerCase())) return undefined;
  return { threadId, runId };
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
