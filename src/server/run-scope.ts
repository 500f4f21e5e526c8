/**
 * Is this run on this thread? Asked of the LangGraph server's own storage for every
 * `/threads/{thread_id}/runs/{run_id}[/…]` request (routes.ts `runScopeOf`), before the route
 * runs. The Auth handlers cannot answer it: the server tells them only the thread
 * (`threads:read` with `{thread_id}` for get, join and stream), and its stream routes read the
 * run's event queue by run id alone, so bob's own thread let him read, replay or drain any run.
 *
 * The storage is the request's: the dev server (api 1.5.1) puts its `Ops` on the hono context
 * (`LANGGRAPH_OPS`, behind `contextStorage()`, both registered before the auth middleware), which
 * the same hono module gives back here. When it is not there (another server, another hono copy),
 * the check cannot be made and the request is refused rather than let through.
 */
import type { Ops } from "@langchain/langgraph-api/storage";
import { tryGetContext } from "hono/context-storage";
import { unavailable } from "./failure.js";

/** True when the run exists and is on that thread. */
export type RunLocator = (threadId: string, runId: string) => Promise<boolean>;

type ServerEnv = { Variables: { LANGGRAPH_OPS?: Ops } };

export const serverRunLocator: RunLocator = async (threadId, runId) => {
  const ops = tryGetContext<ServerEnv>()?.var.LANGGRAPH_OPS;
  if (ops === undefined) {
    throw unavailable("cannot check that the run is on this thread: the server's storage is out of reach");
  }
  // without an auth context the server runs no handler: a plain lookup, which (like the
  // server's own run routes) finds nothing when the run is on another thread
  const run = await ops.runs.get(runId, threadId, undefined);
  return run !== null && run.run_id === runId && run.thread_id === threadId;
};
