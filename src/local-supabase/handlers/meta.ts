/** GET /settings, /health, /.well-known/jwks.json and /_dev/outbox. */
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

/** The local mailbox: codes and links that log anyone in, so the service_role key only. */
export const outbox: Handler = async (app, req, res) => {
  await requireServiceRole(app, req);
  sendJson(res, 200, { messages: app.outbox.list(req.query.get("email") ?? undefined) });
};
