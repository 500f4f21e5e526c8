import type { Client } from "@langchain/langgraph-sdk";
import type { Context } from "./context.js";
import { NotYetAvailableError } from "./errors.js";

/** The LangGraph client for the context's profile, sending that user's token. */
export async function openLangGraph(_ctx: Context): Promise<{ client: Client; url: string }> {
  // Wired to the session layer (tokens from the keychain) when the auth commands land.
  throw new NotYetAvailableError("talking to LangGraph as a logged-in user");
}
