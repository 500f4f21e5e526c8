import { requireRunAnswered, streamAnswer } from "../../langgraph/conversations.js";
import { countRuns, resolveRunId, resolveThreadId } from "../../langgraph/ids.js";
import { messagesFromValues } from "../../langgraph/messages.js";
import type { Action } from "../command-kit.js";
import { InterruptedError, LgauthError } from "../errors.js";
import { onInterrupt } from "../interrupt.js";
import { openLangGraph } from "../langgraph-session.js";
import { formatTable, paint, shownOf, timeAgo } from "../output.js";

export interface ListOptions {
  limit: number;
}

/** A run's statuses once it has ended (LangGraph's RunStatus). */
const FINISHED = new Set(["success", "error", "timeout", "interrupted"]);

export const list: Action<[string], ListOptions> = async (ctx, [idOrPrefix], opts) => {
  const { client } = await openLangGraph(ctx);
  const threadId = await resolveThreadId(client, idOrPrefix);
  // one more than asked for tells whether the list is cut; only then are they counted
  const found = await client.runs.list(threadId, { limit: opts.limit + 1 });
  // newest first, as LangGraph Platform lists them (the dev server keeps insertion order)
  const runs = found.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at)).slice(0, opts.limit);
  const total = found.length > opts.limit ? await countRuns(client, threadId) : runs.length;
  const rows = runs.map((r) => ({
    run_id: r.run_id,
    status: r.status,
    assistant_id: r.assistant_id,
    created_at: r.created_at,
  }));
  if (ctx.json) {
    ctx.io.printJson({ thread_id: threadId, runs: rows, total });
    return 0;
  }
  if (rows.length === 0) {
    ctx.io.print("no runs on this thread");
    return 0;
  }
  ctx.io.print(
    formatTable(
      ["run", "status", "assistant", "created"],
      rows.map((r) => [r.run_id, r.status, r.assistant_id, timeAgo(r.created_at)]),
      ctx.color,
    ),
  );
  const cut = shownOf(rows.length, total, "see more with --limit");
  if (cut) ctx.io.print(paint(ctx.color, "dim", cut));
  return 0;
};

export interface CreateOptions {
  /** Required and not blank (commander checks both). */
  message: string;
  wait?: boolean;
  assistant: string;
}

export const create: Action<[string], CreateOptions> = async (ctx, [idOrPrefix], opts) => {
  const message = opts.message.trim();
  const assistantId = opts.assistant;
  const { client } = await openLangGraph(ctx);
  const threadId = await resolveThreadId(client, idOrPrefix);
  // the dev server answers a run on a thread that does not exist (or is not yours) with 422
  // "Thread is already running a task"; asked first, it is "thread … not found", as elsewhere
  // (a prefix was found among the user's own threads: nothing to ask)
  if (threadId === idOrPrefix) await client.threads.get(threadId);
  if (opts.wait) {
    // created, then joined (what POST /runs/wait does on the server), so that the run's id is
    // known while waiting: Ctrl-C stops the wait, not the run, and says how to cancel it
    const ctrlC = onInterrupt();
    let runId: string | undefined;
    let values: unknown;
    try {
      const input = { messages: [{ role: "user", content: message }] };
      runId = (await client.runs.create(threadId, assistantId, { input, signal: ctrlC.signal })).run_id;
      values = await client.runs.join(threadId, runId, { signal: ctrlC.signal });
    } catch (err) {
      if (!ctrlC.signal.aborted) throw err;
      if (ctx.io.stderrIsTTY) ctx.io.note(""); // past the terminal's ^C
      if (runId === undefined) throw new InterruptedError();
      throw new LgauthError("interrupted", `stopped waiting; run ${runId} goes on`, {
        hint: `cancel it with \`lgauth runs cancel ${threadId} ${runId}\``,
      });
    } finally {
      ctrlC.done();
    }
    await requireRunAnswered(client, threadId, runId);
    const messages = messagesFromValues(values);
    const answer = [...messages].reverse().find((m) => m.role === "assistant");
    if (ctx.json) ctx.io.printJson({ thread_id: threadId, run_id: runId, messages });
    else ctx.io.print(answer?.content ?? "(no answer)");
    return 0;
  }
  let streamed = false;
  const result = await streamAnswer(client, threadId, message, {
    assistantId,
    onToken: ctx.json
      ? undefined
      : (t) => {
          streamed = true;
          ctx.io.write(t);
        },
  }).catch((err: unknown) => {
    if (streamed) ctx.io.write("\n"); // end the part of the answer that came, before the error line
    throw err;
  });
  if (ctx.json) ctx.io.printJson(result);
  else ctx.io.write("\n");
  return 0;
};

/**
 * Cancels a run that is still pending or running, waiting until it has stopped; a run that had
 * already finished (also one that finishes while the cancel is on its way) is said to be so,
 * with the status it ended with, and is not reported as cancelled.
 */
export const cancel: Action<[string, string]> = async (ctx, [threadPrefix, runPrefix]) => {
  const { client } = await openLangGraph(ctx);
  const threadId = await resolveThreadId(client, threadPrefix);
  const runId = await resolveRunId(client, threadId, runPrefix);
  let status = (await client.runs.get(threadId, runId)).status;
  let cancelled = false;
  if (!FINISHED.has(status)) {
    await client.runs.cancel(threadId, runId, true);
    status = (await client.runs.get(threadId, runId)).status;
    // a run that ended on its own in the meantime keeps its own status (success, error)
    cancelled = status === "interrupted";
  }
  if (ctx.json) {
    ctx.io.printJson({ thread_id: threadId, run_id: runId, cancelled, status });
  } else if (cancelled) {
    ctx.io.print(`cancelled ${runId}`);
  } else {
    ctx.io.print(`run ${runId} had already finished (${status}); nothing to cancel`);
  }
  return 0;
};
