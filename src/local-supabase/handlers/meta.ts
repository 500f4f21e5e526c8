/** GET /settings, /health, /.well-known/jwks.json, /_dev/outbox, and the OAuth entry points. */
import type { Handler } from "../app.js";
import { ApiError } from "../errors.js";
import { sendJson } from "../http.js";

const PROVIDERS = [
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

export const settings: Handler = async (app, _req, res) => {
  const external: Record<string, boolean> = {};
  for (const p of PROVIDERS) external[p] = p === "email";
  sendJson(res, 200, {
    external,
    disable_signup: false,
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

export const outbox: Handler = async (app, req, res) => {
  sendJson(res, 200, { messages: app.outbox.list(req.query.get("email") ?? undefined) });
};

export const authorize: Handler = async (_app, req) => {
  const provider = req.query.get("provider") ?? "";
  if (PROVIDERS.includes(provider) && provider !== "email" && provider !== "phone") {
    throw new ApiError(400, "validation_failed", "Unsupported provider: provider is not enabled");
  }
  throw new ApiError(400, "validation_failed", `Unsupported provider: Provider ${provider} could not be found`);
};

export const callback: Handler = async () => {
  throw new ApiError(400, "bad_oauth_callback", "OAuth state parameter missing");
};
