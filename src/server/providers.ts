/**
 * The chat model for one run: a hosted one when its key is set (its package loaded only
 * then, so it stays an optional install), else the offline model.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { OfflineChatModel } from "./offline-model.js";

export type ModelChoice = "offline" | "openai" | "anthropic";

export function chooseModel(env: NodeJS.ProcessEnv = process.env): ModelChoice {
  const forced = env.LGAUTH_MODEL?.trim().toLowerCase();
  if (forced === "offline" || forced === "openai" || forced === "anthropic") return forced;
  if (env.OPENAI_API_KEY?.trim()) return "openai";
  if (env.ANTHROPIC_API_KEY?.trim()) return "anthropic";
  return "offline";
}

export class ModelUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelUnavailableError";
  }
}

type ChatModelClass = new (fields: Record<string, unknown>) => BaseChatModel;

async function loadProvider(pkg: string, exportName: string, keyVar: string): Promise<ChatModelClass> {
  let mod: Record<string, unknown>;
  try {
    // a variable specifier: the package is optional and not resolved at build time
    const specifier: string = pkg;
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch {
    throw new ModelUnavailableError(
      `${keyVar} is set but ${pkg} is not installed: run \`npm install ${pkg}\`, or unset ${keyVar} (or set LGAUTH_MODEL=offline) to use the offline model`,
    );
  }
  const ctor = mod[exportName];
  if (typeof ctor !== "function") throw new ModelUnavailableError(`${pkg} does not export ${exportName}`);
  return ctor as ChatModelClass;
}

export async function createChatModel(userName: string, env: NodeJS.ProcessEnv = process.env): Promise<BaseChatModel> {
  const choice = chooseModel(env);
  if (choice === "openai") {
    const ChatOpenAI = await loadProvider("@langchain/openai", "ChatOpenAI", "OPENAI_API_KEY");
    return new ChatOpenAI({ model: env.OPENAI_MODEL ?? "gpt-4o-mini", streaming: true });
  }
  if (choice === "anthropic") {
    const ChatAnthropic = await loadProvider("@langchain/anthropic", "ChatAnthropic", "ANTHROPIC_API_KEY");
    return new ChatAnthropic({ model: env.ANTHROPIC_MODEL ?? "claude-3-5-haiku-latest", streaming: true });
  }
  const delay = Number(env.LGAUTH_OFFLINE_TOKEN_DELAY_MS ?? "10");
  return new OfflineChatModel({ userName, tokenDelayMs: Number.isFinite(delay) && delay >= 0 ? delay : 10 });
}
