/**
 * GET /authorize and GET|POST /callback for the configured OpenID Connect providers (GoTrue
 * internal/api/external.go): the browser is sent to the provider with our own PKCE and nonce,
 * comes back with a code we exchange, and is sent on to redirect_to with `?code=` (the client
 * used PKCE) or a session in the fragment (implicit flow). Failures after a valid state go back
 * to redirect_to as `error`, `error_code` and `error_description` like GoTrue's redirectErrors.
 */
import type { ServerResponse } from "node:http";
import { type App, clientInfo, type Handler } from "../app.js";
import { ApiError, badRequest, OAuthError } from "../errors.js";
import { userForExternalIdentity } from "../external-users.js";
import {
  claimFlowState,
  createFlowState,
  deleteFlowState,
  type FlowStateRow,
  issueAuthCode,
  OAUTH_STATE_TTL_SECONDS,
} from "../flow-state.js";
import { type Req, sendJson } from "../http.js";
import { randomToken } from "../oidc-client.js";
import { issueSession } from "../sessions.js";
import { validatePkceParams } from "./pkce.js";
import { referrer } from "./redirect.js";

/** Built-in GoTrue provider names: known, but not enabled on this server unless configured. */
export const BUILTIN_PROVIDERS = [
  "anonymous_users",
  "apple",
  "azure",
  "bitbucket",
  "discord",
  "facebook",
  "snapchat",
  "figma",
  "fly",
  "github",
  "gitlab",
  "google",
  "keycloak",
  "kakao",
  "linkedin",
  "linkedin_oidc",
  "notion",
  "spotify",
  "slack",
  "slack_oidc",
  "workos",
  "twitch",
  "twitter",
  "email",
  "phone",
  "zoom",
];

/** Authorization parameters a client may pass through to the provider (supabase-js queryParams). */
const PASS_THROUGH = ["prompt", "login_hint", "max_age", "ui_locales", "acr_values"];

const OAUTH_ERROR_BY_STATUS: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized_client",
  403: "access_denied",
  500: "server_error",
  503: "temporarily_unavailable",
};

function callbackUrl(app: App): string {
  return `${app.baseUrl}/auth/v1/callback`;
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, "Content-Type": "text/html; charset=utf-8" });
  res.end(`<a href="${location.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}">Found</a>.\n`);
}

export const authorize: Handler = async (app, req, res) => {
  const name = req.query.get("provider") ?? "";
  const client = app.providers.get(name);
  if (!client) {
    if (BUILTIN_PROVIDERS.includes(name) && name !== "email" && name !== "phone") {
      throw badRequest("validation_failed", "Unsupported provider: provider is not enabled");
    }
    throw badRequest("validation_failed", `Unsupported provider: Provider ${name} could not be found`);
  }
  const method = req.query.get("code_challenge_method") ?? "";
  const challenge = req.query.get("code_challenge") ?? "";
  validatePkceParams(method, challenge);
  const redirectTo = referrer(app, req);
  const scopes = (req.query.get("scopes") ?? "").split(/[\s,]+/).filter(Boolean);
  const extra: Record<string, string> = {};
  for (const key of PASS_THROUGH) {
    const v = req.query.get(key);
    if (v) extra[key] = v;
  }
  const state = randomToken();
  const nonce = randomToken();
  const providerCodeVerifier = randomToken(48);
  let url: string;
  try {
    url = await client.authorizationUrl({
      redirectUri: callbackUrl(app),
      state,
      nonce,
      codeVerifier: providerCodeVerifier,
      scopes,
      extra,
    });
  } catch (err) {
    app.config.log(`[local-supabase] ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  await createFlowState(
    app.database.db,
    {
      state,
      provider: name,
      redirectTo,
      nonce,
      providerCodeVerifier,
      codeChallenge: challenge || undefined,
      codeChallengeMethod: method || undefined,
    },
    app.config.flowStateTtl,
  );
  if (req.query.get("skip_http_redirect") === "true") {
    sendJson(res, 200, { url });
    return;
  }
  redirect(res, url);
};

/** GoTrue's r.FormValue: for a POST the form body wins over the query. */
async function callbackParams(req: Req): Promise<URLSearchParams> {
  if (req.method !== "POST") return req.query;
  const type = String(req.headers["content-type"] ?? "");
  const merged = new URLSearchParams(req.query);
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams((await req.body()).toString("utf8"))) merged.set(k, v);
  }
  return merged;
}

export const callback: Handler = async (app, req, res) => {
  const params = await callbackParams(req);
  const state = params.get("state") ?? "";
  if (state === "") throw badRequest("bad_oauth_callback", "OAuth state parameter missing");
  const flow = await claimFlowState(app.database.db, state, Math.max(OAUTH_STATE_TTL_SECONDS, app.config.flowStateTtl));
  if (!flow) throw badRequest("bad_oauth_state", "OAuth callback with invalid state");
  try {
    redirect(res, await finishFlow(app, req, params, flow));
  } catch (err) {
    await deleteFlowState(app.database.db, flow.id).catch(() => undefined);
    if (!(err instanceof OAuthError) && !(err instanceof ApiError && err.status < 500)) {
      app.config.log(`[local-supabase] OAuth callback (${flow.provider}) failed: ${describe(err)}`);
    }
    redirect(res, errorLocation(flow.redirect_to, err));
  }
};

async function finishFlow(app: App, req: Req, params: URLSearchParams, flow: FlowStateRow): Promise<string> {
  const client = app.providers.get(flow.provider);
  if (!client) throw badRequest("validation_failed", "Unsupported provider: provider is not enabled");
  const providerError = params.get("error");
  if (providerError) throw new OAuthError(providerError, params.get("error_description") ?? "");
  await client.checkResponseIssuer(params.get("iss"));
  const code = params.get("code") ?? "";
  if (code === "") throw badRequest("bad_oauth_callback", "OAuth callback without an authorization code");
  const tokens = await client.exchangeCode(code, callbackUrl(app), flow.provider_code_verifier);
  const claims = await client.verifyIdToken(tokens.idToken, flow.nonce);

  if (flow.code_challenge) {
    const authCode = await app.database.tx(async (tx) => {
      const userId = await userForExternalIdentity(tx, flow.provider, claims, app.config);
      return issueAuthCode(tx, flow.id, userId, tokens);
    });
    return withQuery(flow.redirect_to, { code: authCode });
  }
  const session = await app.database.tx(async (tx) => {
    const userId = await userForExternalIdentity(tx, flow.provider, claims, app.config);
    await deleteFlowState(tx, flow.id);
    return issueSession(tx, app.tokens, userId, "oauth", clientInfo(req), undefined, {
      provider: flow.provider,
      providerToken: tokens.accessToken,
      providerRefreshToken: tokens.refreshToken,
    });
  });
  const fragment: Record<string, string> = {
    access_token: String(session.access_token),
    expires_at: String(session.expires_at),
    expires_in: String(session.expires_in),
    refresh_token: String(session.refresh_token),
    token_type: "bearer",
  };
  if (tokens.accessToken) fragment.provider_token = tokens.accessToken;
  if (tokens.refreshToken) fragment.provider_refresh_token = tokens.refreshToken;
  return withFragment(flow.redirect_to, fragment);
}

/** redirect_to with `values` set in its query (its own parameters, e.g. a CLI's state, stay). */
function withQuery(base: string, values: Record<string, string>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(values)) url.searchParams.set(k, v);
  return url.href;
}

function withFragment(base: string, values: Record<string, string>): string {
  const url = new URL(base);
  const sorted = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1));
  url.hash = new URLSearchParams(sorted).toString();
  return url.href;
}

/** GoTrue's getErrorQueryString: the error in the query and (deprecated) in the fragment too. */
export function errorLocation(base: string, err: unknown): string {
  const values: Record<string, string> = {};
  if (err instanceof OAuthError) {
    values.error = err.error;
    if (err.description) values.error_description = err.description;
  } else if (err instanceof ApiError) {
    values.error = OAUTH_ERROR_BY_STATUS[err.status] ?? "server_error";
    values.error_code = err.code;
    values.error_description = err.message;
  } else {
    values.error = "server_error";
    values.error_code = "unexpected_failure";
    values.error_description = "Internal Server Error";
  }
  const url = new URL(base);
  for (const [k, v] of Object.entries(values)) url.searchParams.set(k, v);
  url.hash = new URLSearchParams(values).toString();
  return url.href;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
