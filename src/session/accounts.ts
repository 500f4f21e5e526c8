/**
 * Keychain account names: `<profile>@<supabase-host>` holds the refresh token, the same with
 * `#access` the access token. The host includes a non-default port, so two local stacks on
 * different ports never share an entry. A profile that follows a local stack (whose port may
 * change at each restart) uses `<profile>@lgauth-dev` instead.
 */
export function supabaseHost(supabaseUrl: string): string {
  return new URL(supabaseUrl).host;
}

export interface SessionAccounts {
  refresh: string;
  access: string;
}

export function sessionAccounts(profile: string, supabaseUrl: string, localStack = false): SessionAccounts {
  const base = `${profile}@${localStack ? "lgauth-dev" : supabaseHost(supabaseUrl)}`;
  return { refresh: base, access: `${base}#access` };
}
