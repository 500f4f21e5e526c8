/**
 * The HTTP front: what the Supabase gateway (Kong) does (the /auth/v1 prefix, the apikey check
 * except on the open routes, CORS) and GoTrue's routing, with every error in GoTrue's shape.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { App, Handler } from "./app.js";
import { isProjectApiKey } from "./auth.js";
import { type ApiError, badRequest } from "./errors.js";
import { apiKeyOf, bodyReader, type Req, sendError, sendJson } from "./http.js";
import { groupMiddleware } from "./route-groups.js";
import { createUser, deleteUserById, getUserById, listUsers, updateUserById } from "./handlers/admin.js";
import { adminDeleteFactor, adminListFactors, adminUpdateFactor } from "./handlers/admin-factors.js";
import { adminDeletePasskey, adminListPasskeys } from "./handlers/admin-passkeys.js";
import { adminAuditLog } from "./handlers/audit.js";
import { authorize, callback } from "./handlers/external.js";
import { generateLink } from "./handlers/generate-link.js";
import { invite } from "./handlers/invite.js";
import { health, jwks, openidConfiguration, outbox, settings } from "./handlers/meta.js";
import { challengeFactor, enrollFactor, unenrollFactor, verifyFactor } from "./handlers/mfa.js";
import { magicLinkRoute, otp } from "./handlers/otp.js";
import { reauthenticate } from "./handlers/reauthenticate.js";
import { recover } from "./handlers/recover.js";
import { resend } from "./handlers/resend.js";
import { signup } from "./handlers/signup.js";
import {
  createSsoProvider,
  deleteSsoProvider,
  getSsoProvider,
  listSsoProviders,
  updateSsoProvider,
} from "./handlers/sso-admin.js";
import { oauthServerMetadata, switchedOffHandler } from "./handlers/switched-off.js";
import { token } from "./handlers/token.js";
import { getUser, logout, updateUser } from "./handlers/user.js";
import { verifyGet, verifyPost } from "./handlers/verify.js";

const PREFIX = "/auth/v1";
/**
 * Paths the gateway passes on without an apikey. Kong's open auth routes match by prefix
 * (/auth/v1/verify covers /auth/v1/verify/ too); the JWKS is open as Supabase's gateway serves
 * it, so a verifier that fetches it in production (createRemoteJWKSet) works here too.
 */
const OPEN_PREFIXES = [
  "/verify",
  "/callback",
  "/authorize",
  "/.well-known/jwks.json",
  "/.well-known/openid-configuration",
];

/**
 * Routes GoTrue mounts with chi's Route, so "/x/" answers as "/x" does; its other routes are a
 * 404 with a trailing slash (e.g. /authorize/, /token/).
 */
const SUBROUTED = new Set([
  "/signup",
  "/verify",
  "/callback",
  "/user",
  "/reauthenticate",
  "/factors",
  "/factors/:id",
  "/admin/audit",
  "/admin/users",
  "/admin/users/:id",
  "/admin/users/:id/factors",
  "/admin/users/:id/factors/:fid",
  "/admin/users/:id/passkeys",
  "/admin/users/:id/passkeys/:pid",
  "/admin/sso/providers",
  "/admin/sso/providers/:id",
]);

type Routes = Record<string, Partial<Record<string, Handler>>>;

const ROUTES: Routes = {
  "/health": { GET: health },
  "/settings": { GET: settings },
  "/.well-known/jwks.json": { GET: jwks },
  "/.well-known/openid-configuration": { GET: openidConfiguration },
  "/signup": { POST: signup },
  "/otp": { POST: otp },
  "/magiclink": { POST: magicLinkRoute },
  "/recover": { POST: recover },
  "/resend": { POST: resend },
  "/reauthenticate": { GET: reauthenticate },
  "/invite": { POST: invite },
  "/token": { POST: token },
  "/user": { GET: getUser, PUT: updateUser },
  "/logout": { POST: logout },
  "/verify": { GET: verifyGet, POST: verifyPost },
  "/authorize": { GET: authorize },
  "/callback": { GET: callback, POST: callback },
  "/admin/audit": { GET: adminAuditLog },
  "/admin/users": { GET: listUsers, POST: createUser },
  "/admin/users/:id": { GET: getUserById, PUT: updateUserById, DELETE: deleteUserById },
  "/admin/users/:id/factors": { GET: adminListFactors },
  "/admin/users/:id/factors/:fid": { DELETE: adminDeleteFactor, PUT: adminUpdateFactor },
  "/admin/users/:id/passkeys": { GET: adminListPasskeys },
  "/admin/users/:id/passkeys/:pid": { DELETE: adminDeletePasskey },
  "/factors": { POST: enrollFactor },
  "/factors/:id": { DELETE: unenrollFactor },
  "/factors/:id/challenge": { POST: challengeFactor },
  "/factors/:id/verify": { POST: verifyFactor },
  "/admin/generate_link": { POST: generateLink },
  "/admin/sso/providers": { GET: listSsoProviders, POST: createSsoProvider },
  "/admin/sso/providers/:id": { GET: getSsoProvider, PUT: updateSsoProvider, DELETE: deleteSsoProvider },
  "/.well-known/oauth-authorization-server": { GET: oauthServerMetadata },
  "/_dev/outbox": { GET: outbox },
};

/** Routes with path parameters: a pattern per segment, ":x" matching any one segment. */
const PARAM_ROUTES = Object.keys(ROUTES)
  .filter((route) => route.includes("/:"))
  .map((route) => ({ route, parts: route.split("/") }));

const ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

function routeOf(path: string): string | undefined {
  if (Object.hasOwn(ROUTES, path)) return path; // not /constructor or /__proto__ of Object's
  const parts = path.split("/");
  for (const { route, parts: pattern } of PARAM_ROUTES) {
    if (pattern.length !== parts.length) continue;
    if (pattern.every((p, i) => (p.startsWith(":") ? (parts[i] ?? "") !== "" : p === parts[i]))) return route;
  }
  return undefined;
}

function match(path: string): Partial<Record<string, Handler>> | undefined {
  let route = routeOf(path);
  if (route === undefined && path.length > 1 && path.endsWith("/")) {
    const bare = routeOf(path.slice(0, -1));
    if (bare !== undefined && SUBROUTED.has(bare)) route = bare;
  }
  if (route !== undefined) return ROUTES[route];
  // a feature that is always off here answers like GoTrue's middleware, whatever the method
  const off = switchedOffHandler(path);
  return off ? Object.fromEntries(ANY_METHOD.map((m) => [m, off])) : undefined;
}

const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers":
    "Accept, Authorization, Content-Type, X-Client-Info, X-Client-IP, X-JWT-AUD, X-Supabase-Api-Version, apikey, x-upsert",
  "Access-Control-Expose-Headers": "X-Total-Count, Link, X-Supabase-Api-Version",
  "Access-Control-Max-Age": "3600",
};

export function createRequestListener(app: App): (req: IncomingMessage, res: ServerResponse) => void {
  return (raw, res) => {
    for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
    const handle = async () => {
      const url = new URL(raw.url ?? "/", "http://localhost");
      const method = (raw.method ?? "GET").toUpperCase();
      if (method === "OPTIONS") {
        res.writeHead(200, { "Content-Length": "0" });
        res.end();
        return;
      }
      if (url.pathname === "/" && method === "GET") {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("lgauth local Supabase Auth: a local development server. The API is under /auth/v1.\n");
        return;
      }
      if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) {
        sendJson(res, 404, { message: "no Route matched with those values" });
        return;
      }
      const path = url.pathname.slice(PREFIX.length) || "/";
      if (!OPEN_PREFIXES.some((open) => path.startsWith(open))) {
        const key = apiKeyOf(raw.headers, url.searchParams);
        if (key === undefined) {
          sendJson(res, 401, {
            message: "No API key found in request",
            hint: "No `apikey` request header or url param was found.",
          });
          return;
        }
        if (!isProjectApiKey(app, key)) {
          sendJson(res, 401, {
            message: "Invalid API key",
            hint: "Double check your Supabase `anon` or `service_role` API key.",
          });
          return;
        }
      }
      const req: Req = {
        method,
        path,
        query: url.searchParams,
        gotrueUrl: `${path}${url.search}`,
        headers: raw.headers,
        ip: raw.socket.remoteAddress ?? "unknown",
        raw,
        body: bodyReader(raw),
      };
      const methods = match(path);
      const handler = methods?.[method] ?? (method === "HEAD" ? methods?.GET : undefined);
      if (!handler) {
        // the group's middleware (admin check, user token, loadUser…) answers first, as chi's does
        await groupMiddleware(app, req, path);
        if (!methods) {
          res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
          res.end("404 page not found\n");
        } else {
          res.writeHead(405);
          res.end();
        }
        return;
      }
      await handler(app, req, res);
    };
    handle().catch((thrown: unknown) => {
      const err = textPostgresRefused(thrown) ?? thrown;
      if (!(err instanceof Error && "status" in err) && !(err instanceof Error && err.name === "OAuthError")) {
        app.config.log(`[local-supabase] internal error on ${raw.method} ${raw.url?.split("?")[0]}: ${describe(err)}`);
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(raw, res, err);
      // a body we did not read (e.g. an oversized one) must not keep the connection busy
      if (!raw.complete) raw.resume();
    });
  };
}

/**
 * Text Postgres cannot store (a NUL character: "invalid byte sequence" 22021, or "\u0000" in
 * JSON: 22P05) is the client's bad input wherever it reaches the database, not a server fault.
 */
function textPostgresRefused(err: unknown): ApiError | undefined {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  if (code !== "22021" && code !== "22P05") return undefined;
  return badRequest("validation_failed", "Text fields must not contain NUL characters");
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
