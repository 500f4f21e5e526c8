/**
 * TEST FIXTURE, not our server: the Auth of the "Connect an authentication provider" tutorial
 * as published (ask Supabase's /auth/v1/user on every request, plus the "Make conversations
 * private" global owner handler), with only what stops the JS snippet from running fixed
 * (import path, HTTPException options, the event key of `.on`). The server tests run it on a
 * stock server (Studio auth left on) to show that each request we refuse really leaks there.
 */
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";

const SUPABASE_URL = process.env.SUPABASE_URL ?? "";
const SUPABASE_SERVICE_KEY = process.env.SUPABASE_SERVICE_KEY ?? "";

export async function stockAuthenticate(request: Request) {
  const authorization = request.headers.get("authorization");
  if (!authorization?.toLowerCase().startsWith("bearer ")) {
    throw new HTTPException(401, { message: "Bearer token required" });
  }
  const response = await fetch(`${SUPABASE_URL}/auth/v1/user`, {
    headers: { Authorization: authorization, apiKey: SUPABASE_SERVICE_KEY },
  });
  if (response.status !== 200) throw new HTTPException(401, { message: `Supabase answered ${response.status}` });
  const user = (await response.json()) as { id: string; email?: string };
  return { identity: user.id, email: user.email, is_authenticated: true, permissions: [] };
}

export const auth = new Auth().authenticate(stockAuthenticate).on("*", ({ value, user }) => {
  const v = value as { metadata?: Record<string, unknown> };
  const metadata = v.metadata ?? {};
  Object.assign(metadata, { owner: user.identity });
  v.metadata = metadata;
  return { owner: user.identity };
});

export default auth;
