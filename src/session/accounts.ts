/**
 * Keychain account names: `<profile>@<supabase-host>` holds the refresh token, the same with
 * `#access` the access token. The host includes a non-default port, so two local stacks on
 * different ports never share an entry.
 */
export function supabaseHost(supabaseUrl: string): string {
  return new URL(supabaseUrl).host;
}

export interface SessionAccounts {
  refresh: string;
  access: string;
}

export function sessionAccounts(profile: string, supabaseUrl: string): SessionAccounts {
  const base = `${profile}@${supabaseHost(supabaseUrl)}`;
  return { refresh: base, access: `${base}#access` };
}
