/**
 * Which of GoTrue's endpoints the local Supabase Auth server serves, measured: every route of
 * GoTrue's router (supabase/auth internal/api/api.go, NewAPIWithVersion, at bc32168) is
 * requested once from a freshly started in-process server, with the credentials the route
 * needs (the anon key; a user's access token; the service role key for /admin and /invite),
 * and classified by the answer:
 *
 *   served    the route exists here: any answer of its handler (a 400 for the probe's empty
 *             body counts: the handler ran and checked it)
 *   off       the answer is GoTrue's for the feature switched off (same status and error code):
 *             its default for most such features; "off*" where GoTrue's default has it on
 *   WRONG-OFF the feature is off by default in GoTrue, and the answer here is another one
 *   missing   the router's "404 page not found" or an empty 405: nothing handles it
 *   gated     a route the Supabase gateway serves without an apikey (GET /.well-known/jwks.json,
 *             /verify, /callback, /authorize) asked for one here
 *
 * Usage: npx tsx scripts/gotrue-endpoints.ts [--json]
 */
import { randomUUID } from "node:crypto";
import { startLocalSupabase } from "../src/local-supabase/index.js";

/** GoTrue's answer for a feature its default configuration turns off. */
interface Off {
  status: number;
  code: string;
  /** GoTrue's default configuration has the feature on. */
  defaultOn?: boolean;
}
const OAUTH_SERVER_OFF: Off = { status: 404, code: "feature_disabled" };
const SAML_OFF: Off = { status: 404, code: "saml_provider_disabled" };
const PASSKEYS_OFF: Off = { status: 404, code: "passkey_disabled" };
const MANUAL_LINKING_OFF: Off = { status: 404, code: "manual_linking_disabled" };
const SCIM_OFF: Off = { status: 404, code: "feature_disabled" };
/** On by default in GoTrue (CUSTOM_OAUTH_ENABLED). */
const CUSTOM_OAUTH_OFF: Off = { status: 404, code: "feature_disabled", defaultOn: true };

type Auth = "anon" | "user" | "admin" | "none";
interface Route {
  method: string;
  path: string;
  auth: Auth;
  off?: Off;
  body?: unknown;
}

const U = "{user_id}";
const F = "{factor_id}";
const X = "{id}";

/** GoTrue's routes, in api.go's order. */
const ROUTES: Route[] = [
  { method: "GET", path: "/health", auth: "anon" },
  { method: "GET", path: "/.well-known/jwks.json", auth: "none" },
  { method: "GET", path: "/.well-known/openid-configuration", auth: "none" },
  { method: "GET", path: "/.well-known/oauth-authorization-server", auth: "anon", off: OAUTH_SERVER_OFF },
  { method: "GET", path: "/callback", auth: "none" },
  { method: "POST", path: "/callback", auth: "none" },
  { method: "GET", path: "/settings", auth: "anon" },
  { method: "GET", path: "/authorize", auth: "none" },
  { method: "POST", path: "/invite", auth: "admin", body: {} },
  { method: "POST", path: "/signup", auth: "anon", body: {} },
  { method: "POST", path: "/recover", auth: "anon", body: {} },
  { method: "POST", path: "/resend", auth: "anon", body: {} },
  { method: "POST", path: "/magiclink", auth: "anon", body: {} },
  { method: "POST", path: "/otp", auth: "anon", body: {} },
  { method: "POST", path: "/token", auth: "anon", body: {} },
  { method: "GET", path: "/verify", auth: "none" },
  { method: "POST", path: "/verify", auth: "anon", body: {} },
  { method: "POST", path: "/logout", auth: "user" },
  { method: "GET", path: "/reauthenticate", auth: "user" },
  { method: "GET", path: "/user", auth: "user" },
  { method: "PUT", path: "/user", auth: "user", body: {} },
  { method: "GET", path: "/user/identities/authorize", auth: "user", off: MANUAL_LINKING_OFF },
  { method: "DELETE", path: `/user/identities/${X}`, auth: "user", off: MANUAL_LINKING_OFF },
  { method: "GET", path: "/user/oauth/grants", auth: "user", off: OAUTH_SERVER_OFF },
  { method: "DELETE", path: "/user/oauth/grants", auth: "user", off: OAUTH_SERVER_OFF },
  { method: "POST", path: "/factors", auth: "user", body: {} },
  { method: "POST", path: `/factors/${F}/verify`, auth: "user", body: {} },
  { method: "POST", path: `/factors/${F}/challenge`, auth: "user", body: {} },
  { method: "DELETE", path: `/factors/${F}`, auth: "user" },
  { method: "POST", path: "/passkeys/authentication/options", auth: "anon", off: PASSKEYS_OFF, body: {} },
  { method: "POST", path: "/passkeys/authentication/verify", auth: "anon", off: PASSKEYS_OFF, body: {} },
  { method: "POST", path: "/passkeys/registration/options", auth: "user", off: PASSKEYS_OFF, body: {} },
  { method: "POST", path: "/passkeys/registration/verify", auth: "user", off: PASSKEYS_OFF, body: {} },
  { method: "GET", path: "/passkeys", auth: "user", off: PASSKEYS_OFF },
  { method: "PATCH", path: `/passkeys/${X}`, auth: "user", off: PASSKEYS_OFF, body: {} },
  { method: "DELETE", path: `/passkeys/${X}`, auth: "user", off: PASSKEYS_OFF },
  { method: "POST", path: "/sso", auth: "anon", off: SAML_OFF, body: {} },
  { method: "GET", path: "/sso/saml/metadata", auth: "anon", off: SAML_OFF },
  { method: "POST", path: "/sso/saml/acs", auth: "anon", off: SAML_OFF },
  { method: "GET", path: "/admin/audit", auth: "admin" },
  { method: "GET", path: "/admin/users", auth: "admin" },
  { method: "POST", path: "/admin/users", auth: "admin", body: {} },
  { method: "GET", path: `/admin/users/${U}/factors`, auth: "admin" },
  { method: "DELETE", path: `/admin/users/${U}/factors/${F}`, auth: "admin" },
  { method: "PUT", path: `/admin/users/${U}/factors/${F}`, auth: "admin", body: {} },
  { method: "GET", path: `/admin/users/${U}/passkeys`, auth: "admin" },
  { method: "DELETE", path: `/admin/users/${U}/passkeys/${X}`, auth: "admin" },
  { method: "GET", path: `/admin/users/${U}`, auth: "admin" },
  { method: "PUT", path: `/admin/users/${U}`, auth: "admin", body: {} },
  { method: "DELETE", path: `/admin/users/${U}`, auth: "admin" },
  { method: "POST", path: "/admin/generate_link", auth: "admin", body: {} },
  { method: "GET", path: "/admin/sso/providers", auth: "admin" },
  { method: "POST", path: "/admin/sso/providers", auth: "admin", body: {} },
  { method: "GET", path: `/admin/sso/providers/${X}`, auth: "admin" },
  { method: "PUT", path: `/admin/sso/providers/${X}`, auth: "admin", body: {} },
  { method: "DELETE", path: `/admin/sso/providers/${X}`, auth: "admin" },
  { method: "POST", path: "/admin/oauth/clients", auth: "admin", off: OAUTH_SERVER_OFF, body: {} },
  { method: "GET", path: "/admin/oauth/clients", auth: "admin", off: OAUTH_SERVER_OFF },
  { method: "GET", path: `/admin/oauth/clients/${X}`, auth: "admin", off: OAUTH_SERVER_OFF },
  { method: "PUT", path: `/admin/oauth/clients/${X}`, auth: "admin", off: OAUTH_SERVER_OFF, body: {} },
  { method: "DELETE", path: `/admin/oauth/clients/${X}`, auth: "admin", off: OAUTH_SERVER_OFF },
  {
    method: "POST",
    path: `/admin/oauth/clients/${X}/regenerate_secret`,
    auth: "admin",
    off: OAUTH_SERVER_OFF,
  },
  { method: "GET", path: "/admin/custom-providers", auth: "admin", off: CUSTOM_OAUTH_OFF },
  { method: "POST", path: "/admin/custom-providers", auth: "admin", off: CUSTOM_OAUTH_OFF, body: {} },
  { method: "GET", path: `/admin/custom-providers/${X}`, auth: "admin", off: CUSTOM_OAUTH_OFF },
  { method: "PUT", path: `/admin/custom-providers/${X}`, auth: "admin", off: CUSTOM_OAUTH_OFF, body: {} },
  { method: "DELETE", path: `/admin/custom-providers/${X}`, auth: "admin", off: CUSTOM_OAUTH_OFF },
  { method: "POST", path: "/oauth/clients/register", auth: "anon", off: OAUTH_SERVER_OFF, body: {} },
  { method: "POST", path: "/oauth/token", auth: "anon", off: OAUTH_SERVER_OFF, body: {} },
  { method: "GET", path: "/oauth/userinfo", auth: "user", off: OAUTH_SERVER_OFF },
  { method: "GET", path: "/oauth/authorize", auth: "anon", off: OAUTH_SERVER_OFF },
  { method: "GET", path: `/oauth/authorizations/${X}`, auth: "user", off: OAUTH_SERVER_OFF },
  { method: "POST", path: `/oauth/authorizations/${X}/consent`, auth: "user", off: OAUTH_SERVER_OFF, body: {} },
  { method: "GET", path: "/scim/v2/ServiceProviderConfig", auth: "anon", off: SCIM_OFF },
  { method: "GET", path: "/scim/v2/ResourceTypes", auth: "anon", off: SCIM_OFF },
  { method: "GET", path: "/scim/v2/Schemas", auth: "anon", off: SCIM_OFF },
];

type Verdict = "served" | "off" | "off*" | "WRONG-OFF" | "missing" | "gated";
interface Probe {
  method: string;
  path: string;
  status: number;
  code: string;
  verdict: Verdict;
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const server = await startLocalSupabase({ port: 0 });
  try {
    const base = `${server.url}/auth/v1`;
    const admin = { apikey: server.serviceRoleKey, Authorization: `Bearer ${server.serviceRoleKey}` };
    // a user to be: the probes run as them, and the admin routes name them
    const email = `probe-${randomUUID()}@example.com`;
    const password = `probe-${randomUUID()}`;
    const created = await fetch(`${base}/admin/users`, {
      method: "POST",
      headers: { ...admin, "Content-Type": "application/json" },
      body: JSON.stringify({ email, password, email_confirm: true }),
    });
    const userId = ((await created.json()) as { id: string }).id;
    const login = await fetch(`${base}/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: server.anonKey, "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    const accessToken = ((await login.json()) as { access_token: string }).access_token;

    const probes: Probe[] = [];
    // user-ending routes last: /logout ends the probe user's session, DELETE /admin/users/{id} the user
    const order = [...ROUTES].sort((a, b) => rank(a) - rank(b));
    for (const route of order) {
      const path = route.path.replace(U, userId).replace(F, randomUUID()).replace(X, randomUUID());
      const headers: Record<string, string> = {};
      if (route.auth === "anon" || route.auth === "user") headers.apikey = server.anonKey;
      if (route.auth === "user") headers.Authorization = `Bearer ${accessToken}`;
      if (route.auth === "admin") Object.assign(headers, admin);
      if (route.body !== undefined) headers["Content-Type"] = "application/json";
      const res = await fetch(`${base}${path}`, {
        method: route.method,
        headers,
        body: route.body === undefined ? undefined : JSON.stringify(route.body),
        redirect: "manual",
      });
      const text = await res.text();
      let code = res.headers.get("x-sb-error-code") ?? "";
      try {
        const body = JSON.parse(text) as { error_code?: string; code?: unknown };
        code ||= body.error_code ?? (typeof body.code === "string" ? body.code : "");
      } catch {
        // not JSON
      }
      const unrouted =
        (res.status === 404 && text === "404 page not found\n") || (res.status === 405 && text === "");
      let verdict: Verdict;
      if (unrouted) verdict = "missing";
      else if (route.auth === "none" && res.status === 401) verdict = "gated";
      else if (route.off?.defaultOn) {
        verdict = res.status === route.off.status && code === route.off.code ? "off*" : "served";
      } else if (route.off) verdict = res.status === route.off.status && code === route.off.code ? "off" : "WRONG-OFF";
      else verdict = "served";
      probes.push({ method: route.method, path: route.path, status: res.status, code, verdict });
    }
    probes.sort((a, b) => ROUTES.findIndex((r) => r.path === a.path && r.method === a.method) -
      ROUTES.findIndex((r) => r.path === b.path && r.method === b.method));

    const count = (v: Verdict) => probes.filter((p) => p.verdict === v).length;
    if (json) {
      process.stdout.write(`${JSON.stringify({ probes, total: probes.length })}\n`);
      return;
    }
    const width = Math.max(...probes.map((p) => `${p.method} ${p.path}`.length));
    for (const p of probes) {
      const what = `${p.method} ${p.path}`.padEnd(width);
      process.stdout.write(`${p.verdict.padEnd(9)}  ${what}  ${p.status} ${p.code}\n`);
    }
    process.stdout.write(
      `\n${probes.length} GoTrue routes: ${count("served")} served, ${count("off")} answered as GoTrue with the feature off ` +
        `(its default), ${count("off*")} as GoTrue with a default-on feature off, ` +
        `${count("WRONG-OFF")} off with another answer, ${count("gated")} asking for an apikey the gateway does not, ` +
        `${count("missing")} missing\n`,
    );
  } finally {
    await server.stop();
  }
}

function rank(r: Route): number {
  if (r.method === "POST" && r.path === "/logout") return 1;
  if (r.method === "DELETE" && r.path === `/admin/users/${U}`) return 2;
  return 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`gotrue-endpoints: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
