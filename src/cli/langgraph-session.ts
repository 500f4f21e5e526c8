import type { Client } from "@langchain/langgraph-sdk";
import { type TokenSource, createLangGraphClient } from "../langgraph/client.js";
import { forceRefresh, getAccessToken, loadProfileState, openSession } from "../session/session.js";
import type { Context } from "./context.js";

/**
 * The LangGraph client for the context's profile. Each request asks the session for a token
 * (refreshed under the profile lock when it has under 60 s left), so a long chat outlives its
 * access token without the user noticing; a 401 forces one refresh and one retry.
 */
export async function openLangGraph(ctx: Context): Promise<{ client: Client; url: string }> {
  const state = await loadProfileState(ctx);
  if (!ctx.env.LGAUTH_ACCESS_TOKEN) await openSession(ctx, state); // exit 4 before any request
  let last: string | undefined;
  const tokens: TokenSource = {
    async accessToken() {
      last = await getAccessToken(ctx, { minValiditySeconds: 60 });
      return last;
    },
    async refresh() {
      last = await forceRefresh(ctx, last);
      return last;
    },
  };
  const url = state.settings.langgraphUrl;
  const client = createLangGraphClient({
    url,
    tokens,
    debug: ctx.log.debug,
    supabaseAnonKey: state.settings.supabaseAnonKey,
  });
  return { client, url };
}
