import type { Client } from "@langchain/langgraph-sdk";
import { streamAnswer, threadMessages } from "../../langgraph/conversations.js";
import { resolveThreadId } from "../../langgraph/ids.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { openLangGraph } from "../langgraph-session.js";
import { paint } from "../output.js";

export interface ChatOptions {
  /** One message (not blank), else an interactive chat. */
  message?: string;
  assistant: string;
}

async function ensureThread(client: Client, threadId: string | undefined): Promise<string> {
  if (threadId) {
    await client.threads.get(threadId);
    return threadId;
  }
  return (await client.threads.create()).thread_id;
}

async function oneShot(ctx: Context, client: Client, threadId: string, message: string, assistantId: string) {
  const spinner = ctx.io.startSpinner("thinking…", !ctx.json);
  try {
    const result = await streamAnswer(client, threadId, message, {
      assistantId,
      onToken: (t) => {
        spinner.stop();
        if (!ctx.json) ctx.io.write(t);
      },
    });
    spinner.stop();
    if (ctx.json) {
      const messages = await threadMessages(client, threadId);
      ctx.io.printJson({ ...result, messages });
    } else {
      ctx.io.write("\n");
    }
  } finally {
    spinner.stop();
  }
}

async function interactive(ctx: Context, client: Client, startThread: string, assistantId: string) {
  const readline = await import("node:readline/promises");
  const rl = readline.createInterface({ input: ctx.io.stdin, output: ctx.io.stdout, terminal: true });
  let threadId = startThread;
  let answering: AbortController | null = null;
  let closed = false;
  rl.on("SIGINT", () => {
    if (answering) answering.abort();
    else rl.close();
  });
  rl.on("close", () => {
    closed = true;
  });
  const banner = (id: string) =>
    ctx.io.note(paint(ctx.color, "dim", `thread ${id} (come back with \`lgauth chat ${id}\`; /new, /exit, Ctrl-C)`));
  banner(threadId);
  while (!closed) {
    let line: string;
    try {
      line = (await rl.question(paint(ctx.color, "cyan", "you> "))).trim();
    } catch {
      break; // closed by Ctrl-C or end of input
    }
    if (!line) continue;
    if (line === "/exit" || line === "/quit") break;
    if (line === "/new") {
      threadId = await ensureThread(client, undefined);
      banner(threadId);
      continue;
    }
    answering = new AbortController();
    const spinner = ctx.io.startSpinner("thinking…");
    let runId: string | null = null;
    let started = false;
    const begin = () => {
      if (started) return;
      started = true;
      spinner.stop(); // clears its line, so the label comes after it
      ctx.io.write(paint(ctx.color, "green", "agent> "));
    };
    try {
      await streamAnswer(client, threadId, line, {
        assistantId,
        signal: answering.signal,
        onRunCreated: (id) => {
          runId = id;
        },
        onToken: (t) => {
          begin();
          ctx.io.write(t);
        },
      });
      begin();
      ctx.io.write("\n");
    } catch (err) {
      spinner.stop();
      if (answering.signal.aborted) {
        ctx.io.write("\n");
        if (runId) await client.runs.cancel(threadId, runId).catch(() => undefined);
        ctx.io.note(paint(ctx.color, "yellow", "(answer cancelled)"));
      } else {
        rl.close();
        throw err;
      }
    } finally {
      answering = null;
    }
  }
  rl.close();
}

export const chat: Action<[string | undefined], ChatOptions> = async (ctx, [requested], opts) => {
  const assistantId = opts.assistant;
  if (opts.message === undefined && !ctx.prompter.available) {
    throw new UsageError("interactive chat needs a terminal", "pass --message to send one message from a script");
  }
  const { client } = await openLangGraph(ctx);
  const threadId = await ensureThread(
    client,
    requested === undefined ? undefined : await resolveThreadId(client, requested),
  );
  if (opts.message !== undefined) await oneShot(ctx, client, threadId, opts.message, assistantId);
  else await interactive(ctx, client, threadId, assistantId);
  return 0;
};
