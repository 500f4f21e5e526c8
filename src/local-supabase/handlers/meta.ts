/** GET /settings, /health, /.well-known/jwks.json, /.well-known/openid-configuration and /_dev/outbox. */
import type { Handler } from "../app.js";
import { requireServiceRole } from "../auth.js";
import { sendJson } from "../http.js";
import { BUILTIN_PROVIDERS } from "./external.js";

export const settings: Handler = async (app, _req, res) => {
  const external: Record<string, boolean> = {};
  for (const p of BUILTIN_PROVIDERS) external[p] = false;
  external.anonymous_users = app.config.anonymousSignInsEnabled;
  external.email = app.config.emailProviderEnabled;
  for (const name of app.providers.keys()) external[name] = true;
  sendJson(res, 200, {
    external,
    disable_signup: !app.config.signupEnabled,
    mailer_autoconfirm: !app.config.confirmEmail,
    phone_autoconfirm: false,
    sms_provider: "",
    saml_enabled: false,
    saml_private_key_next_configured: false,
    passkeys_enabled: false,
  });
};

export const health: Handler = async (_app, _req, res) => {
  sendJson(res, 200, {
    version: "lgauth-local",
    name: "GoTrue",
    description: "GoTrue is a user registration and authentication API",
  });
};

export const jwks: Handler = async (app, _req, res) => {
  sendJson(res, 200, { keys: app.keys.jwks }, { "Cache-Control": "public, max-age=600" });
};

/**
 * GoTrue's OpenID Connect discovery document (jwks.go WellKnownOpenID), one document for OIDC
 * Discovery and RFC 8414: everything is under the issuer, the URL our tokens carry as `iss`.
 * The OAuth 2.1 server it describes is off here, as by default in GoTrue, which still serves
 * this document (and without dynamic registration, no registration_endpoint); what verifiers
 * read from it (issuer, jwks_uri) is real.
 */
export const openidConfiguration: Handler = async (app, _req, res) => {
  const issuer = app.tokens.issuer.replace(/\/+$/, "");
  sendJson(
    res,
    200,
    {
      issuer: app.tokens.issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      scopes_supported: ["openid", "profile", "email", "phone", "offline_access"],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256", "HS256", "ES256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      claims_supported: [
        "sub",
        "aud",
        "iss",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "email",
        "email_verified",
        "phone_number",
        "phone_number_verified",
        "name",
        "picture",
        "preferred_username",
        "updated_at",
      ],
      code_challenge_methods_supported: ["S256", "plain"],
    },
    { "Cache-Control": "public, max-age=600" },
  );
};

/** The local mailbox: codes and links that log anyone in, so the service_role key only. */
export const outbox: Handler = async (app, req, res) => {
  await requireServiceRole(app, req);
  sendJson(res, 200, { messages: app.outbox.list(req.query.get("email") ?? undefined) });
};
