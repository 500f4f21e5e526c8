/** A user's MFA factors through the admin API (GoTrue adminUserGetFactors / DeleteFactor / UpdateFactor). */
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
    await tx.query("delete from mfa_factors where id = $1", [factor.id]);
    await downgradeSessions(tx, factor);
  });
  sendJson(res, 200, factorJson(factor));
};

export const adminUpdateFactor: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
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
  sendJson(res, 200, factorJson(factor));
};
