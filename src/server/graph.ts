/**
 * The chat graph langgraph.json serves as `agent`: one model call on MessagesAnnotation. It
 * learns whom it talks to only from `configurable.langgraph_auth_user`, which the server sets
 * from `authenticate`; `configurable.user_id` comes from the request body and is not trusted.
 */
import { SystemMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { cleanDisplayName } from "../util/display-name.js";
import { createChatModel } from "./providers.js";

export interface AuthUserInfo {
  id: string | undefined;
  name: string;
}

/** The authenticated user of this run, as the server stamped it. */
export function authUserOf(config: RunnableConfig | undefined): AuthUserInfo {
  const raw = config?.configurable?.langgraph_auth_user as Record<string, unknown> | undefined;
  const id = typeof raw?.identity === "string" && raw.identity !== "" ? raw.identity : undefined;
  const email = typeof raw?.email === "string" && raw.email !== "" ? raw.email : undefined;
  // our authenticate's display_name is the user's name from user_metadata (else the email);
  // LangGraph sets it to the identity when an Auth gives none (the tutorial's), so that one
  // does not count as a name
  const shown = cleanDisplayName(raw?.display_name);
  const name = shown !== undefined && shown !== id ? shown : undefined;
  return { id, name: name ?? email ?? id ?? "anonymous user" };
}

async function callModel(state: typeof MessagesAnnotation.State, config?: RunnableConfig) {
  const user = authUserOf(config);
  const model = await createChatModel(user.name);
  const system = new SystemMessage(
    `You are a helpful assistant in a private conversation with ${user.name}. Address them by name.`,
  );
  const response = await model.invoke([system, ...state.messages], config);
  return { messages: [response] };
}

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", callModel)
  .addEdge(START, "agent")
  .addEdge("agent", END)
  .compile();
graph.name = "agent";
