/**
 * A chat model that needs no network and no key: it answers with a fixed sentence that names
 * the user it is talking to and streams it word by word, so `streamMode: "messages-tuple"`
 * shows real per-token chunks exactly as with a hosted model. A message that asks for a "long
 * answer" gets one (some 4,000 tokens, 40 s at the default pace): something to interrupt.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

export interface OfflineChatModelParams extends BaseChatModelParams {
  /** How the answer addresses the user (their display name, else their email). */
  userName: string;
  /** Pause between tokens, so a terminal shows streaming (default 10 ms). */
  tokenDelayMs?: number;
}

function lastHumanText(messages: BaseMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.getType() === "human") {
      const text = typeof m.content === "string" ? m.content : m.text;
      return text.replace(/\s+/g, " ").trim().slice(0, 200);
    }
  }
  return "";
}

/** Asked for in a message, the answer goes on for this many sentences (about 10 tokens each). */
const LONG_ANSWER_SENTENCES = 400;
/** The words that ask for a long answer: to try Ctrl-C, `runs cancel` and streaming at length. */
const LONG_ANSWER = /\blong answer\b/i;

/** The answer, split into tokens that keep their trailing whitespace. */
export function offlineAnswerTokens(userName: string, messages: BaseMessage[]): string[] {
  const said = lastHumanText(messages);
  const turns = messages.filter((m) => m.getType() === "human").length;
  let text =
    `Hello ${userName}! ` +
    (said ? `You said: "${said}". ` : "") +
    `I am the offline model of this LangGraph server, and this conversation is private to you ` +
    `(message ${turns} in this thread).`;
  if (LONG_ANSWER.test(said)) {
    for (let i = 1; i <= LONG_ANSWER_SENTENCES; i++) {
      text += ` This is sentence ${i} of the long answer you asked for, streamed a word at a time.`;
    }
  }
  return text.match(/\S+\s*/g) ?? [text];
}

export class OfflineChatModel extends BaseChatModel {
  private readonly userName: string;
  private readonly tokenDelayMs: number;

  constructor(params: OfflineChatModelParams) {
    super(params);
    this.userName = params.userName;
    this.tokenDelayMs = params.tokenDelayMs ?? 10;
  }

  _llmType(): string {
    return "lgauth-offline";
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    for (const token of offlineAnswerTokens(this.userName, messages)) {
      // a cancelled run must end as cancelled (as a real model's aborted request does), not as
      // a shorter answer that reads as success
      options.signal?.throwIfAborted();
      if (this.tokenDelayMs > 0) await sleep(this.tokenDelayMs, undefined, { signal: options.signal });
      const chunk = new ChatGenerationChunk({ message: new AIMessageChunk({ content: token }), text: token });
      yield chunk;
      await runManager?.handleLLMNewToken(token, undefined, undefined, undefined, undefined, { chunk });
    }
  }

  async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let text = "";
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) text += chunk.text;
    return { generations: [{ text, message: new AIMessage(text) }] };
  }
}
