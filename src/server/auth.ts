/**
 * The `Auth` object langgraph.json points at: Supabase access tokens in, private threads out.
 * Configuration comes from the environment (see settings.ts); a server without SUPABASE_URL
 * refuses to start rather than run without authentication.
 */
import { Auth } from "@langchain/langgraph-sdk/auth";
import { createAuthenticator } from "./authenticate.js";
import { registerHandlers } from "./handlers.js";
import { type AuthSettings, loadAuthSettings } from "./settings.js";

export function createAuth(settings: AuthSettings): Auth {
  const authenticate = createAuthenticator(settings);
  return registerHandlers(new Auth().authenticate(authenticate));
}

export const auth: Auth = createAuth(loadAuthSettings(process.env));
export default auth;
