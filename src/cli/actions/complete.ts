/**
 * `lgauth __complete profiles|threads|runs [<thread>]`: the names a completion script offers,
 * one per line. Profiles come from the config (no network); threads and runs are the user's
 * own, asked of the LangGraph server with a short deadline so a TAB never hangs the shell. It
 * prints nothing rather than an error (the scripts hide stderr anyway).
 */
import { resolveThreadId } from "../../langgraph/ids.js";
import type { Action } from "../command-kit.js";
import { openLangGraph } from "../langgraph-session.js";

/** How long a TAB may wait for the server. */
const DEADLINE_MS = 2_000;
/** How many of the newest threads or runs are offered. */
const OFFERED = 100;

export type CompleteWhat = "profiles" | "threads" | "runs";

async function candidates(ctx: Parameters<Action>[0], what: CompleteWhat, thread: string | undefined) {
  if (what === "profiles") return Object.keys((await ctx.config.load()).profiles).sort();
  const { client } = await openLangGraph(ctx);
  if (what === "threads") {
    const threads = await client.threads.search({
      limit: OFFERED,
      select: ["thread_id"],
      sortBy: "updated_at",
      sortOrder: "desc",
    });
    return threads.map((t) => t.thread_id);
  }
  if (!thread) return [];
  const runs = await client.runs.list(await resolveThreadId(client, thread), { limit: OFFERED });
  return runs.map((r) => r.run_id);
}

export const complete: Action<[CompleteWhat, string | undefined]> = async (ctx, [what, thread]) => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer in time")), DEADLINE_MS);
  });
  try {
    const names = await Promise.race([candidates(ctx, what, thread), deadline]);
    if (names.length > 0) ctx.io.print(names.join("\n"));
    return 0;
  } finally {
    clearTimeout(timer);
  }
};
