/**
 * Is this run on this thread, and is the thread the caller's? Asked of the LangGraph server's
 * own storage for every `/threads/{thread_id}/runs/{run_id}[/…]` request (routes.ts
 * `runScopeOf`), before the route runs. The Auth handlers cannot answer it: the server tells them
 * only the thread (`threads:read` with `{thread_id}` for get, join and stream), and its stream
 * routes read the run's event queue by run id alone, so bob's own thread let him read, replay or
 * drain any run. The owner is checked here too (handlers.ts's rule, `ownsThread`): otherwise
 * alice's real (thread, run) pair answered bob differently from a made-up one (200 with an SSE
 * error from /stream, "Thread … not found" from GET and /join, against 404 "Run not found"),
 * telling him which of her runs exist, and a join still reached her run's queue before the owner
 * filter refused it.
 *
 * The storage is the request's: the dev server (api 1.5.1) puts its `Ops` on the hono context
 * (`LANGGRAPH_OPS`, behind `contextStorage()`, both registered before the auth middleware), which
 * the same hono module gives back here. Where it is not there, this is not that dev server: the
 * LangGraph Platform and the standalone image (`langchain/langgraphjs-api`) run this Auth in
 * their own server, whose runs live in Postgres and whose routes are not this one's; there this
 * check is not made (said once in the log), and `lgauth audit` against the deployment probes
 * whether that server refuses a run named under another thread. Refusing instead would break
 * every run route of such a deployment.
 * If a later dev server moved its storage, the end-to-end test that shows the leak refused
 * (test/e2e/server-auth.test.ts) fails.
 */
import type { Ops } from "@langchain/langgraph-api/storage";
import { tryGetContext } from "hono/context-storage";
import { ownsThread } from "./handlers.js";

/** True when the run exists, is on that thread and the thread is `owner`'s; false when not;
 * undefined when this server keeps no storage this check can read. */
export type RunLocator = (threadId: string, runId: string, owner: string) => Promise<boolean | undefined>;

type ServerEnv = { Variables: { LANGGRAPH_OPS?: Ops } };

let saidUnchecked = false;

export const serverRunLocator: RunLocator = async (threadId, runId, owner) => {
  const ops = tryGetContext<ServerEnv>()?.var.LANGGRAPH_OPS;
  if (ops === undefined) {
    if (!saidUnchecked) {
      saidUnchecked = true;
      console.warn(
        "lgauth auth: not the LangGraph.js dev server (no run storage on the request): whether a run is on the thread named with it is left to this server; `lgauth audit` probes it",
      );
    }
    return undefined;
  }
  // without an auth context the server runs no handler: a plain lookup, which (like the
  // server's own run routes) finds nothing when the run is on another thread
  const run = await ops.runs.get(runId, threadId, undefined);
  if (run === null || run.run_id !== runId || run.thread_id !== threadId) return false;
  const thread = await ops.threads.get(threadId, undefined).catch(() => undefined);
  return thread !== undefined && ownsThread(thread.metadata, owner);
};
