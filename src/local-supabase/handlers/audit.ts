/** GET /admin/audit: the audit log for the service role (GoTrue internal/api/audit.go). */
import type { Handler } from "../app.js";
import { findAuditEntries } from "../audit.js";
import { requireAdmin } from "../auth.js";
import { badRequest } from "../errors.js";
import { sendJson } from "../http.js";
import { linkHeader, pagination } from "./admin.js";

/** ?query=<scope>:<text> searches these payload fields (case-insensitive, anywhere in the value). */
const FILTER_COLUMNS = new Map([
  ["author", ["actor_username", "actor_name"]],
  ["action", ["action"]],
  ["type", ["log_type"]],
]);

export const adminAuditLog: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const { page, perPage } = pagination(req);
  const q = req.query.get("query") ?? "";
  let filter: { columns: string[]; value: string } | undefined;
  if (q !== "") {
    const colon = q.indexOf(":");
    const columns = FILTER_COLUMNS.get(colon < 0 ? q : q.slice(0, colon));
    if (!columns || colon < 0) throw badRequest("validation_failed", `Invalid query scope: ${q}`);
    filter = { columns, value: q.slice(colon + 1) };
  }
  const { rows, total } = await findAuditEntries(app.database.db, filter, page, perPage);
  sendJson(
    res,
    200,
    rows.map((r) => ({
      id: r.id,
      payload: r.payload,
      created_at: new Date(r.created_at).toISOString(),
      ip_address: r.ip_address,
    })),
    { Link: linkHeader(req.gotrueUrl, Math.max(page, 1), perPage, total), "X-Total-Count": String(total) },
  );
};
