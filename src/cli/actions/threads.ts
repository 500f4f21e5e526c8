import { listThreads, threadHistory, threadMessages } from "../../langgraph/conversations.js";
import type { ChatMessage } from "../../langgraph/messages.js";
import type { Action } from "../command-kit.js";
import { UsageError } from "../errors.js";
import { openLangGraph } from "../langgraph-session.js";
import { formatTable, paint, shownOf, timeAgo as ago } from "../output.js";
import { resolveThreadId } from "../../langgraph/ids.js";

export interface MetadataOptions {
  /** --metadata k=v, repeated (src/cli/parse.ts metadataPair). */
  metadata?: Record<string, string>;
}

export interface ListOptions extends MetadataOptions {
  limit: number;
  status?: "idle" | "busy" | "interrupted" | "error";
}

export interface RemoveOptions {
  yes?: boolean;
}

export interface HistoryOptions {
  limit: number;
}

export const list: Action<[], ListOptions> = async (ctx, _args, opts) => {
  const { client } = await openLangGraph(ctx);
  const filter = { ...(opts.status ? { status: opts.status } : {}), metadata: opts.metadata ?? {} };
  // one more than asked for tells whether the list is cut; only then are they counted
  const found = await listThreads(client, { limit: opts.limit + 1, ...filter });
  const threads = found.slice(0, opts.limit);
  const total =
    found.length > opts.limit
      ? await client.threads.count({
          ...(opts.status ? { status: opts.status } : {}),
          ...(Object.keys(filter.metadata).length > 0 ? { metadata: filter.metadata } : {}),
        })
      : threads.length;
  if (ctx.json) {
    ctx.io.printJson({ threads, total });
    return 0;
  }
  if (threads.length === 0) {
    ctx.io.print("no threads yet (start one with `lgauth chat`)");
    return 0;
  }
  ctx.io.print(
    formatTable(
      ["id", "title", "status", "updated", "messages"],
      threads.map((t) => [t.thread_id, t.title, t.status, ago(t.updated_at), String(t.message_count)]),
      ctx.color,
    ),
  );
  const cut = shownOf(threads.length, total, "see more with --limit");
  if (cut) ctx.io.print(paint(ctx.color, "dim", cut));
  return 0;
};

export const create: Action<[], MetadataOptions> = async (ctx, _args, opts) => {
  const metadata = opts.metadata ?? {};
  const { client } = await openLangGraph(ctx);
  const thread = await client.threads.create({ metadata });
  if (ctx.json)
    ctx.io.printJson({ thread_id: thread.thread_id, created_at: thread.created_at, metadata: thread.metadata });
  else ctx.io.print(thread.thread_id);
  return 0;
};

function render(messages: ChatMessage[], color: boolean): string {
  return messages
    .filter((m) => m.role === "user" || m.role === "assistant")
    .map(
      (m) => `${paint(color, m.role === "user" ? "cyan" : "green", m.role === "user" ? "you" : "agent")}: ${m.content}`,
    )
    .join("\n");
}

export const show: Action<[string]> = async (ctx, [idOrPrefix]) => {
  const { client } = await openLangGraph(ctx);
  const threadId = await resolveThreadId(client, idOrPrefix);
  const messages = await threadMessages(client, threadId);
  if (ctx.json) ctx.io.printJson({ thread_id: threadId, messages });
  else ctx.io.print(messages.length ? render(messages, ctx.color) : "(no messages yet)");
  return 0;
};

export const remove: Action<[string], RemoveOptions> = async (ctx, [idOrPrefix], opts) => {
  if (!opts.yes && !ctx.prompter.available) throw new UsageError("deleting a thread needs confirmation", "pass --yes");
  const { client } = await openLangGraph(ctx);
  const threadId = await resolveThreadId(client, idOrPrefix);
  if (!opts.yes && !(await ctx.prompter.confirm(`Delete thread ${threadId}?`, "--yes"))) {
    ctx.io.print("kept");
    return 1;
  }
  await client.threads.delete(threadId);
  if (ctx.json) ctx.io.printJson({ thread_id: threadId, deleted: true });
  else ctx.io.print(`deleted ${threadId}`);
  return 0;
};

export const history: Action<[string], HistoryOptions> = async (ctx, [idOrPrefix], opts) => {
  const { client } = await openLangGraph(ctx);
  const threadId = await resolveThreadId(client, idOrPrefix);
  const checkpoints = await threadHistory(client, threadId, opts.limit);
  if (ctx.json) {
    ctx.io.printJson({ thread_id: threadId, checkpoints });
    return 0;
  }
  ctx.io.print(
    formatTable(
      ["checkpoint", "step", "source", "created", "next", "messages"],
      checkpoints.map((c) => [
        c.checkpoint_id ?? "-",
        c.step === null ? "-" : String(c.step),
        c.source ?? "-",
        c.created_at ? ago(c.created_at) : "-",
        c.next.join(",") || "-",
        String(c.message_count),
      ]),
      ctx.color,
    ),
  );
  return 0;
};
