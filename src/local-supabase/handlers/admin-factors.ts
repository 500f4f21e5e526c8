/** A user's MFA factors through the admin API (GoTrue adminUserGetFactors / DeleteFactor / UpdateFactor). */
import { adminActor, recordAudit } from "../audit.js";
import type { Handler } from "../app.js";
import { requireAdmin } from "../auth.js";
import { downgradeSessions, factorJson, listFactors } from "../factors.js";
import { readJson, sendJson, str } from "../http.js";
import { loadUser } from "./admin.js";
import { loadFactor } from "./mfa.js";

/** /admin/users/{user_id}/factors[/{factor_id}] */
const segments = (path: string) => path.split("/");

export const adminListFactors: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const user = await loadUser(app, segments(req.path)[3] ?? "");
  sendJson(res, 200, (await listFactors(app.database.db, user.row.id)).map(factorJson));
};

export const adminDeleteFactor: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const user = await loadUser(app, segments(req.path)[3] ?? "");
  const factor = await loadFactor(app, user.row.id, segments(req.path)[5] ?? "");
  await app.database.tx(async (tx) => {
    // GoTrue records this one as the user's own, from the caller's address
    await recordAudit(tx, user.row, "factor_deleted", {
      traits: { user_id: user.row.id, factor_id: factor.id },
      ip: req.ip,
    });
    await tx.query("delete from mfa_factors where id = $1", [factor.id]);
    await downgradeSessions(tx, factor);
  });
  sendJson(res, 200, factorJson(factor));
};

export const adminUpdateFactor: Handler = async (app, req, res) => {
  const admin = adminActor(String((await requireAdmin(app, req)).role));
  const user = await loadUser(app, segments(req.path)[3] ?? "");
  const factor = await loadFactor(app, user.row.id, segments(req.path)[5] ?? "");
  const params = await readJson(req, { friendly_name: "string", phone: "string" }, "adminUserUpdateFactorParams");
  const name = str(params, "friendly_name");
  if (name !== "") {
    const now = new Date();
    await app.database.db.query("update mfa_factors set friendly_name = $2, updated_at = $3 where id = $1", [
      factor.id,
      name,
      now.toISOString(),
    ]);
    factor.friendly_name = name;
    factor.updated_at = now;
  }
  await recordAudit(app.database.db, admin, "factor_updated", {
    traits: { user_id: user.row.id, factor_id: factor.id, factor_type: factor.factor_type },
  });
  sendJson(res, 200, factorJson(factor));
};
