/**
 * A user's passkeys through the admin API (GoTrue passkey_admin.go). GoTrue serves these routes
 * whether passkeys are on or off (its default); this server never registers a passkey, so the
 * list is empty and every passkey id is one GoTrue would not find.
 */
import type { Handler } from "../app.js";
import { requireAdmin } from "../auth.js";
import { notFound } from "../errors.js";
import { sendJson } from "../http.js";
import { loadUser } from "./admin.js";

/** /admin/users/{user_id}/passkeys[/{passkey_id}] */
const userIdOf = (path: string) => path.split("/")[3] ?? "";

export const adminListPasskeys: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  await loadUser(app, userIdOf(req.path));
  sendJson(res, 200, []);
};

export const adminDeletePasskey: Handler = async (app, req) => {
  await requireAdmin(app, req);
  await loadUser(app, userIdOf(req.path));
  // GoTrue: "Passkey not found" with validation_failed both for a malformed id and an unknown one
  throw notFound("validation_failed", "Passkey not found");
};
