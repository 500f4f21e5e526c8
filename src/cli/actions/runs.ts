import { streamAnswer } from "../../langgraph/conversations.js";
import { messagesFromValues } from "../../langgraph/messages.js";
import type { Action } from "../command-kit.js";
import { openLangGraph } from "../langgraph-session.js";
import { formatTable } from "../output.js";

export const list: Action<[string]> = async (ctx, [threadId]) => {
  const { client } = await openLangGraph(ctx);
  const runs = await client.runs.list(threadId, { limit: 50 });
  const rows = runs.map((r) => ({
    run_id: r.run_id,
    status: r.status,
    assistant_id: r.assistant_id,
    created_at: r.created_at,
  }));
  if (ctx.json) ctx.io.printJson({ thread_id: threadId, runs: rows });
  else if (rows.length === 0) ctx.io.print("no runs on this thread");
  else
    ctx.io.print(
      formatTable(
        ["run", "status", "assistant", "created"],
        rows.map((r) => [r.run_id, r.status, r.assistant_id, r.created_at]),
        ctx.color,
      ),
    );
  return 0;
};

export interface CreateOptions {
  /** Required and not blank (commander checks both). */
  message: string;
  wait?: boolean;
  assistant: string;
}

export const create: Action<[string], CreateOptions> = async (ctx, [threadId], opts) => {
  const message = opts.message.trim();
  const assistantId = opts.assistant;
  const { client } = await openLangGraph(ctx);
  if (opts.wait) {
    const values = await client.runs.wait(threadId, assistantId, {
      input: { messages: [{ role: "user", content: message }] },
    });
    const messages = messagesFromValues(values);
    const answer = [...messages].reverse().find((m) => m.role === "assistant");
    if (ctx.json) ctx.io.printJson({ thread_id: threadId, messages });
    else ctx.io.print(answer?.content ?? "(no answer)");
    return 0;
  }
  const result = await streamAnswer(client, threadId, message, {
    assistantId,
    onToken: ctx.json ? undefined : (t) => ctx.io.write(t),
  });
  if (ctx.json) ctx.io.printJson(result);
  else ctx.io.write("\n");
  return 0;
};

export const cancel: Action<[string, string]> = async (ctx, [threadId, runId]) => {
  const { client } = await openLangGraph(ctx);
  await client.runs.cancel(threadId, runId);
  if (ctx.json) ctx.io.printJson({ thread_id: threadId, run_id: runId, cancelled: true });
  else ctx.io.print(`cancelled ${runId}`);
  return 0;
};
