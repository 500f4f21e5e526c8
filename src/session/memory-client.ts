/**
 * A supabase-js client for calls that store nothing in the profile: requests without a session
 * (resend a confirmation, send a recovery email) and a session that is used once and dropped
 * (the one an email-change confirmation opens). Its sessions live in this process's memory.
 */
import type { ProfileClient } from "./client.js";
import type { CredentialStore } from "./credentials/types.js";
import { type SessionContext, loadProfileState, requireAnonKey, requireRunningStack } from "./session.js";

/** Holds values in memory; never touches the keychain or the credentials file. */
class MemoryStore implements CredentialStore {
  readonly kind = "file" as const;
  readonly description = "memory (not stored)";
  private readonly values = new Map<string, string>();
  async get(account: string): Promise<string | null> {
    return this.values.get(account) ?? null;
  }
  async set(account: string, value: string): Promise<void> {
    this.values.set(account, value);
  }
  async delete(account: string): Promise<void> {
    this.values.delete(account);
  }
}

export interface MemoryClient {
  client: ProfileClient;
  url: string;
}

/** A client on the profile's Supabase project (flags, env, config) whose sessions stay in memory. */
export async function openMemoryClient(ctx: SessionContext): Promise<MemoryClient> {
  const { settings } = await loadProfileState(ctx);
  requireRunningStack(settings);
  const anonKey = requireAnonKey(settings);
  const { createProfileClient } = await import("./client.js");
  const client = createProfileClient({
    supabaseUrl: settings.supabaseUrl,
    anonKey,
    store: new MemoryStore(),
    accounts: { refresh: "memory", access: "memory#access" },
    minValiditySeconds: 60,
    skewSeconds: 0,
    config: ctx.config,
    env: ctx.env,
    debug: ctx.log.debug,
  });
  return { client, url: settings.supabaseUrl };
}
