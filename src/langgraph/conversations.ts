import type { Client } from "@langchain/langgraph-sdk";
import { LgauthError } from "../util/errors.js";
import { type ChatMessage, chunkText, messagesFromValues, threadTitle } from "./messages.js";

export const DEFAULT_ASSISTANT = "agent";

export interface ThreadSummary {
  thread_id: string;
  title: string;
  status: string;
  created_at: string;
  updated_at: string;
  message_count: number;
  metadata: Record<string, unknown>;
}

export async function listThreads(
  client: Client,
  query: { limit: number; status?: string; metadata?: Record<string, string> },
): Promise<ThreadSummary[]> {
  const threads = await client.threads.search({
    limit: query.limit,
    ...(query.status ? { status: query.status as "idle" } : {}),
    ...(query.metadata && Object.keys(query.metadata).length > 0 ? { metadata: query.metadata } : {}),
    sortBy: "updated_at",
    sortOrder: "desc",
  });
  // LangGraph's dev server forgets a thread's values in its list when a run ends without a
  // checkpoint of its own (cancelled, or its client went away: langgraph-api's setStatus), so a
  // conversation would list as "(empty)"; its state still has every message
  const values = await Promise.all(
    threads.map((t) =>
      t.values == null
        ? client.threads.getState(t.thread_id).then(
            (state) => state.values,
            () => t.values,
          )
        : t.values,
    ),
  );
  return threads.map((t, i) => {
    const messages = messagesFromValues(values[i]);
    return {
      thread_id: t.thread_id,
      title: threadTitle(messages),
      status: t.status,
      created_at: t.created_at,
      updated_at: t.updated_at,
      message_count: messages.length,
      metadata: (t.metadata ?? {}) as Record<string, unknown>,
    };
  });
}

export async function threadMessages(client: Client, threadId: string): Promise<ChatMessage[]> {
  const state = await client.threads.getState(threadId);
  return messagesFromValues(state.values);
}

export interface Checkpoint {
  checkpoint_id: string | null;
  step: number | null;
  source: string | null;
  created_at: string | null;
  next: string[];
  message_count: number;
}

export async function threadHistory(client: Client, threadId: string, limit: number): Promise<Checkpoint[]> {
  const states = await client.threads.getHistory(threadId, { limit });
  return states.map((s) => {
    const meta = (s.metadata ?? {}) as { step?: unknown; source?: unknown };
    return {
      checkpoint_id: s.checkpoint?.checkpoint_id ?? null,
      step: typeof meta.step === "number" ? meta.step : null,
      source: typeof meta.source === "string" ? meta.source : null,
      created_at: s.created_at ?? null,
      next: s.next ?? [],
      message_count: messagesFromValues(s.values).length,
    };
  });
}

export interface AnswerResult {
  thread_id: string;
  run_id: string | null;
  /** The text streamed, token by token, as the user saw it. */
  text: string;
}

/**
 * Sends one user message and streams the answer (`messages-tuple`), calling `onToken` for every
 * text chunk. Always on a thread: never joins a stream by run id alone.
 */
/**
 * Fails when run `runId` ended without its answer: cancelled (or interrupted), failed, or timed
 * out. Its stream then just ends, and a join returns the thread's state as it was, so the last
 * answer there is an earlier run's. A run still pending or running is not judged.
 */
export async function requireRunAnswered(client: Client, threadId: string, runId: string): Promise<void> {
  const { status } = await client.runs.get(threadId, runId);
  if (status === "interrupted") {
    throw new LgauthError("run_failed", `run ${runId} was cancelled before it answered`, {
      details: { run_id: runId, status },
    });
  }
  if (status === "error" || status === "timeout") {
    throw new LgauthError("run_failed", `run ${runId} ended without an answer (status ${status})`, {
      details: { run_id: runId, status },
    });
  }
}

export async function streamAnswer(
  client: Client,
  threadId: string,
  message: string,
  options: {
    assistantId?: string;
    signal?: AbortSignal;
    onToken?: (text: string) => void;
    onRunCreated?: (runId: string) => void;
  } = {},
): Promise<AnswerResult> {
  let runId: string | null = null;
  let text = "";
  const stream = client.runs.stream(threadId, options.assistantId ?? DEFAULT_ASSISTANT, {
    input: { messages: [{ role: "user", content: message }] },
    streamMode: "messages-tuple",
    onDisconnect: "cancel",
    ...(options.signal ? { signal: options.signal } : {}),
    onRunCreated: (params) => {
      runId = params.run_id;
      options.onRunCreated?.(params.run_id);
    },
  });
  for await (const ev of stream) {
    if (ev.event === "metadata") {
      const id = (ev.data as { run_id?: unknown } | undefined)?.run_id;
      if (typeof id === "string" && runId === null) {
        runId = id;
        options.onRunCreated?.(id);
      }
    } else if (ev.event === "messages") {
      const { text: piece } = chunkText(ev.data);
      if (piece) {
        text += piece;
        options.onToken?.(piece);
      }
    } else if (ev.event === "error") {
      const data = ev.data as { message?: unknown; error?: unknown } | undefined;
      const why = typeof data?.message === "string" ? data.message : String(data?.error ?? "unknown error");
      throw new LgauthError("run_failed", `the run failed: ${why}`);
    }
  }
  if (runId !== null) await requireRunAnswered(client, threadId, runId);
  return { thread_id: threadId, run_id: runId, text };
}
