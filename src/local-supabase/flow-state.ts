/**
 * OAuth flow states (GoTrue models.FlowState plus what its signed state carried): created by
 * /authorize, claimed once by /callback through the random state the provider echoes back, and
 * with PKCE exchanged once for a session through the auth code given to the client.
 */
import { randomUUID } from "node:crypto";
import type { Queryable } from "./db.js";

export interface FlowStateRow {
  id: string;
  state: string | null;
  provider: string;
  redirect_to: string;
  nonce: string;
  provider_code_verifier: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  auth_code: string | null;
  user_id: string | null;
  authentication_method: string;
  provider_access_token: string | null;
  provider_refresh_token: string | null;
  auth_code_issued_at: Date | null;
  created_at: Date;
}

export interface NewFlowState {
  state: string;
  provider: string;
  redirectTo: string;
  nonce: string;
  providerCodeVerifier: string;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
}

/** Abandoned flows are kept a day for nothing; they are swept when new ones start. */
const KEEP_MS = 24 * 3600 * 1000;

export async function createFlowState(db: Queryable, f: NewFlowState, ttlSeconds: number): Promise<string> {
  const now = new Date();
  await db.query("delete from flow_state where created_at < $1", [
    new Date(now.getTime() - KEEP_MS - ttlSeconds * 1000).toISOString(),
  ]);
  const id = randomUUID();
  await db.query(
    `insert into flow_state (id, state, provider, redirect_to, nonce, provider_code_verifier, code_challenge,
       code_challenge_method, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
    [
      id,
      f.state,
      f.provider,
      f.redirectTo,
      f.nonce,
      f.providerCodeVerifier,
      f.codeChallenge ?? null,
      f.codeChallengeMethod?.toLowerCase() ?? null,
      now.toISOString(),
    ],
  );
  return id;
}

/**
 * How long the browser may take at the provider (GoTrue's signed OAuth state lives 5 minutes);
 * the flow state TTL then runs from when the auth code is issued.
 */
export const OAUTH_STATE_TTL_SECONDS = 300;

/**
 * Claims the flow for `state` (once: the state is cleared) if it is younger than `ttlSeconds`.
 * Undefined for an unknown, replayed or expired state.
 */
export async function claimFlowState(
  db: Queryable,
  state: string,
  ttlSeconds: number,
): Promise<FlowStateRow | undefined> {
  const r = await db.query<FlowStateRow>(
    "update flow_state set state = null, updated_at = $2 where state = $1 returning *",
    [state, new Date().toISOString()],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  if (Date.now() > +new Date(row.created_at) + ttlSeconds * 1000) {
    await deleteFlowState(db, row.id);
    return undefined;
  }
  return row;
}

/** Records the user and hands out the auth code the client exchanges with its verifier. */
export async function issueAuthCode(
  db: Queryable,
  id: string,
  userId: string,
  tokens: { accessToken: string | undefined; refreshToken: string | undefined },
): Promise<string> {
  const code = randomUUID();
  const now = new Date().toISOString();
  await db.query(
    `update flow_state set user_id = $2, auth_code = $3, auth_code_issued_at = $4, provider_access_token = $5,
       provider_refresh_token = $6, updated_at = $4 where id = $1`,
    [id, userId, code, now, tokens.accessToken ?? null, tokens.refreshToken ?? null],
  );
  return code;
}

export async function findFlowStateByAuthCode(db: Queryable, code: string): Promise<FlowStateRow | undefined> {
  const r = await db.query<FlowStateRow>(
    "select * from flow_state where auth_code = $1 and user_id is not null for update",
    [code],
  );
  return r.rows[0];
}

/**
 * Whether the flow's auth code is too old to exchange: OAuth flows count from the code's issue
 * time (or the flow's start); emailed-link flows as GoTrue's FlowState.IsExpired does, from the
 * request that mailed the link (magic links: from the click).
 */
export function flowStateExpired(row: FlowStateRow, ttlSeconds: number, now = Date.now()): boolean {
  const fromRequest = row.authentication_method !== "oauth" && row.authentication_method !== "magiclink";
  const from = fromRequest ? row.created_at : (row.auth_code_issued_at ?? row.created_at);
  return now > +new Date(from) + ttlSeconds * 1000;
}

/**
 * GoTrue's generateFlowState for an emailed link in the PKCE flow (recovery, email/signup,
 * email_change, magiclink): the auth code exists from the start and is handed out when the
 * link is followed.
 */
export async function createEmailFlowState(
  db: Queryable,
  f: { authenticationMethod: string; codeChallenge: string; codeChallengeMethod: string; userId: string },
): Promise<void> {
  const now = new Date().toISOString();
  await db.query(
    `insert into flow_state (id, provider, redirect_to, nonce, provider_code_verifier, code_challenge,
       code_challenge_method, auth_code, user_id, authentication_method, created_at, updated_at)
     values ($1, $2, '', '', '', $3, $4, $5, $6, $2, $7, $7)`,
    [
      randomUUID(),
      f.authenticationMethod,
      f.codeChallenge,
      f.codeChallengeMethod.toLowerCase(),
      randomUUID(),
      f.userId,
      now,
    ],
  );
}

/**
 * GoTrue's issueAuthCode for a followed emailed link: the user's newest flow of that method,
 * its code's issue time recorded. Undefined when there is none.
 */
export async function issueEmailAuthCode(
  db: Queryable,
  userId: string,
  authenticationMethod: string,
): Promise<string | undefined> {
  const r = await db.query<{ id: string; auth_code: string | null }>(
    `select id, auth_code from flow_state where user_id = $1 and authentication_method = $2
     order by created_at desc limit 1`,
    [userId, authenticationMethod],
  );
  const row = r.rows[0];
  if (!row?.auth_code) return undefined;
  await db.query("update flow_state set auth_code_issued_at = $2, updated_at = $2 where id = $1", [
    row.id,
    new Date().toISOString(),
  ]);
  return row.auth_code;
}

export async function deleteFlowState(db: Queryable, id: string): Promise<void> {
  await db.query("delete from flow_state where id = $1", [id]);
}
