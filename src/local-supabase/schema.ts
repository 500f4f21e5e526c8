/**
 * The tables GoTrue keeps for what this server does (a subset of supabase/auth's migrations):
 * users, identities, sessions, refresh tokens, OAuth flow states, MFA factors and challenges, the audit log
 * and SSO providers, plus a small key/value table for our own
 * state (schema version, signing keys). Bump SCHEMA_VERSION when the SQL changes; it also
 * names the cached template data directory.
 */
export const SCHEMA_VERSION = 5;

export const SCHEMA_SQL = `
create table if not exists lgauth_meta (
  key text primary key,
  value text not null
);

create table if not exists users (
  id uuid primary key,
  aud text not null default 'authenticated',
  role text not null default 'authenticated',
  email text,
  encrypted_password text not null default '',
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token text not null default '',
  confirmation_sent_at timestamptz,
  recovery_token text not null default '',
  recovery_sent_at timestamptz,
  email_change_token_new text not null default '',
  email_change text not null default '',
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb not null default '{}'::jsonb,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  phone text,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  is_anonymous boolean not null default false,
  deleted_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- GoTrue: users_email_partial_key. Emails are stored lower-cased, so this is case-insensitive.
create unique index if not exists users_email_key on users (email) where email is not null;
create index if not exists users_created_at_idx on users (created_at desc, id desc);
create index if not exists users_confirmation_token_idx on users (confirmation_token) where confirmation_token <> '';
create index if not exists users_email_change_token_idx on users (email_change_token_new) where email_change_token_new <> '';

create table if not exists identities (
  id uuid primary key,
  provider_id text not null,
  user_id uuid not null references users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on identities (user_id);

create table if not exists sessions (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  aal text not null default 'aal1',
  amr jsonb not null default '[]'::jsonb,
  user_agent text,
  ip text,
  refreshed_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index if not exists sessions_user_id_idx on sessions (user_id);

create table if not exists refresh_tokens (
  id bigserial primary key,
  token text not null unique,
  user_id uuid not null references users (id) on delete cascade,
  parent text,
  session_id uuid not null references sessions (id) on delete cascade,
  revoked boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index if not exists refresh_tokens_session_id_idx on refresh_tokens (session_id, revoked);
create index if not exists users_recovery_token_idx on users (recovery_token) where recovery_token <> '';

-- GoTrue's flow_state, plus what its signed OAuth state carried: one row per /authorize,
-- found by the random state the provider echoes, then (PKCE) by the auth code given to the client.
create table if not exists flow_state (
  id uuid primary key,
  state text unique,
  provider text not null,
  redirect_to text not null,
  nonce text not null,
  provider_code_verifier text not null,
  code_challenge text,
  code_challenge_method text,
  auth_code text unique,
  user_id uuid references users (id) on delete cascade,
  authentication_method text not null default 'oauth',
  provider_access_token text,
  provider_refresh_token text,
  auth_code_issued_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index if not exists flow_state_created_at_idx on flow_state (created_at);

-- GoTrue's mfa_factors and mfa_challenges (TOTP only). last_used_step is ours: the TOTP time
-- step of the last accepted code, so a code is accepted once (RFC 6238 section 5.2).
-- voided is ours too: the challenge took its five wrong codes (code-attempts.ts counts them).
create table if not exists mfa_factors (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  friendly_name text not null default '',
  factor_type text not null,
  status text not null,
  secret text not null,
  last_used_step bigint,
  last_challenged_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index if not exists mfa_factors_user_id_idx on mfa_factors (user_id, created_at);

create table if not exists mfa_challenges (
  id uuid primary key,
  factor_id uuid not null references mfa_factors (id) on delete cascade,
  ip_address text not null,
  verified_at timestamptz,
  created_at timestamptz not null
);
create index if not exists mfa_challenges_factor_id_idx on mfa_challenges (factor_id);
alter table mfa_challenges add column if not exists voided boolean not null default false;

-- the factor whose verification raised a session to aal2 (GoTrue sessions.factor_id)
alter table sessions add column if not exists factor_id uuid;

-- Accounts (recovery, reauthentication, secure email change): GoTrue's users columns for the
-- code mailed to the current address, how many of the two addresses confirmed, and the nonce.
alter table users add column if not exists email_change_token_current text not null default '';
alter table users add column if not exists email_change_confirm_status smallint not null default 0;
alter table users add column if not exists reauthentication_token text not null default '';
alter table users add column if not exists reauthentication_sent_at timestamptz;
create index if not exists users_email_change_token_current_idx on users (email_change_token_current)
  where email_change_token_current <> '';

-- GoTrue's audit_log_entries (payload as json: its keys stay in the order they were written).
-- seq is ours: events of one request can share a created_at, and the log lists the newest first.
create table if not exists audit_log_entries (
  instance_id uuid,
  id uuid primary key,
  payload json,
  created_at timestamptz,
  ip_address varchar(64) not null default '',
  seq bigserial
);
create index if not exists audit_log_entries_created_at_idx on audit_log_entries (created_at desc, seq desc);

-- GoTrue's SAML identity providers (its admin API serves them with SAML off, as here).
create table if not exists sso_providers (
  id uuid primary key,
  resource_id text,
  disabled boolean,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index if not exists sso_providers_resource_id_idx on sso_providers (lower(resource_id));
create table if not exists saml_providers (
  id uuid primary key,
  sso_provider_id uuid not null references sso_providers (id) on delete cascade,
  entity_id text not null unique,
  metadata_xml text not null,
  metadata_url text,
  attribute_mapping jsonb,
  name_id_format text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create table if not exists sso_domains (
  id uuid primary key,
  sso_provider_id uuid not null references sso_providers (id) on delete cascade,
  domain text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index if not exists sso_domains_domain_idx on sso_domains (lower(domain));
`;
