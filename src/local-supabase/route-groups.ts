/**
 * GoTrue mounts its routes in groups with chi's Route, each with its middleware (api.go): the
 * admin check on /admin, the user's token on /user, /reauthenticate and /factors, loadUser on
 * /admin/users/{user_id}, loadFactor on the factor paths, loadSSOProvider on /admin/sso/providers/{idp_id}. chi runs a group's middleware before
 * its router finds out that nothing under the group handles the path (404) or the method (405),
 * so an unknown path under /admin asks for the service role first, as on the real server.
 * Handlers of known routes do these checks themselves; this is for what no handler takes.
 */
import type { App } from "./app.js";
import { requireAdmin, requireAuthentication } from "./auth.js";
import type { Req } from "./http.js";
import { loadUser } from "./handlers/admin.js";
import { loadFactor, requireMfaUser } from "./handlers/mfa.js";
import { loadSsoProvider } from "./handlers/sso-admin.js";

const within = (path: string, group: string) => path === group || path.startsWith(`${group}/`);
/** chi's "/{param}" sub-route: the segment is there and not empty. */
const segment = (parts: string[], i: number) => (parts[i] ?? "") !== "";

/** The middleware GoTrue runs on `path` before its 404 or 405; throws its answer when it refuses. */
export async function groupMiddleware(app: App, req: Req, path: string): Promise<void> {
  const parts = path.split("/"); // "/admin/users/{id}/…" -> ["", "admin", "users", id, …]
  if (within(path, "/admin")) {
    await requireAdmin(app, req);
    if (parts[2] === "users" && segment(parts, 3)) {
      // /admin/users/{user_id}[/…]: loadUser; /admin/users/{id}/factors/{factor_id}[/…]: loadFactor
      const user = await loadUser(app, parts[3] ?? "");
      if (parts[4] === "factors" && segment(parts, 5)) await loadFactor(app, user.row.id, parts[5] ?? "");
    } else if (parts[2] === "sso" && parts[3] === "providers" && segment(parts, 4)) {
      await loadSsoProvider(app, parts[4] ?? ""); // /admin/sso/providers/{idp_id}[/…]
    }
  } else if (within(path, "/factors")) {
    const auth = await requireMfaUser(app, req);
    if (segment(parts, 2)) await loadFactor(app, auth.user.row.id, parts[2] ?? "");
  } else if (within(path, "/user") || within(path, "/reauthenticate")) {
    await requireAuthentication(app, req);
  }
}
