/**
 * OAuth through the local Supabase Auth with the real supabase-js client and the real local
 * OpenID provider (oidc-provider): signInWithOAuth with PKCE, the provider's sign-in and consent
 * forms posted by a plain HTTP "browser" (fetch, manual redirects, a cookie jar), the code at a
 * loopback listener, exchangeCodeForSession; linking by email, and each way the flow can fail.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import {
  DEMO_OIDC_EMAIL,
  DEMO_OIDC_PASSWORD,
  listenLocalOidcProvider,
  type PendingLocalOidcProvider,
} from "../../src/local-oidc/index.js";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { client, raw, V2024 } from "./local-supabase-kit.js";

const CLIENT_ID = "lgauth-test-client";
const CLIENT_SECRET = "test-secret-for-the-local-provider";
const SECOND = { email: "oauth-only@example.com", password: "second-password", name: "Second Person" };

class NoRealtime {
  constructor() {
    throw new Error("realtime is not used here");
  }
}

/** supabase-js with flowType pkce and a visible storage (to read the code verifier). */
function pkceClient(s: LocalSupabase, flowType: "pkce" | "implicit" = "pkce") {
  const store = new Map<string, string>();
  const sb = createClient(s.url, s.anonKey, {
    auth: {
      flowType,
      persistSession: true,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      storage: {
        getItem: (k) => store.get(k) ?? null,
        setItem: (k, v) => void store.set(k, v),
        removeItem: (k) => void store.delete(k),
      },
    },
    realtime: { transport: NoRealtime as never },
  });
  const verifier = () => JSON.parse(store.get("sb-127-auth-token-code-verifier") ?? '""') as string;
  return { sb, verifier };
}

/** A user agent: follows redirects by hand, keeps cookies per origin, fills the provider's forms. */
class Browser {
  private readonly jar = new Map<string, Map<string, string>>();
  /** Auth server callback URLs seen on the way (to tamper with them). */
  readonly callbacks: URL[] = [];

  constructor(
    private readonly stopAt: (url: URL) => boolean,
    private readonly account = { email: DEMO_OIDC_EMAIL, password: DEMO_OIDC_PASSWORD },
  ) {}

  async request(url: URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const cookies = [...(this.jar.get(url.origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join("; ");
    const headers: Record<string, string> = {};
    if (cookies) headers.cookie = cookies;
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? "GET", headers, body, redirect: "manual" });
    const jar = this.jar.get(url.origin) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
    this.jar.set(url.origin, jar);
    return res;
  }

  /**
   * Goes to `start` and on through redirects and the provider's pages until a redirect leaves
   * for a URL `stopAt` accepts; returns that URL. `consent` answers the consent page.
   */
  async run(start: string, consent: "allow" | "deny" = "allow", intercept?: (url: URL) => URL | null): Promise<URL> {
    let url = new URL(start);
    let res = await this.request(url);
    for (let step = 0; step < 20; step++) {
      if (res.status >= 300 && res.status < 400) {
        let next = new URL(res.headers.get("location") ?? "", url);
        await res.arrayBuffer();
        if (next.pathname === "/auth/v1/callback") {
          this.callbacks.push(next);
          if (intercept) {
            const replaced = intercept(next);
            if (replaced === null) return next;
            next = replaced;
          }
        }
        if (this.stopAt(next)) return next;
        url = next;
        res = await this.request(url);
        continue;
      }
      const html = await res.text();
      assert.equal(res.status, 200, `unexpected ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`);
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      assert.ok(action, `a form on ${url.pathname}: ${html.slice(0, 300)}`);
      const target = new URL(action.replace(/&#47;/g, "/"), url);
      if (html.includes('name="password"')) {
        assert.match(html, /<label for="email">Email<\/label>/);
        assert.match(html, /<button type="submit">Sign in<\/button>/);
        res = await this.request(target, { method: "POST", form: this.account });
      } else {
        assert.match(html, />Allow<\/button>/);
        assert.match(html, />Deny<\/button>/);
        res = await this.request(target, { method: "POST", form: { decision: consent } });
      }
      url = target;
    }
    throw new Error("too many steps");
  }
}

interface Listener {
  url: string;
  hits: URL[];
  close(): Promise<void>;
}

/** The CLI's loopback redirect target: records what reaches it. */
async function listener(): Promise<Listener> {
  const hits: URL[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(new URL(req.url ?? "/", "http://127.0.0.1"));
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let oidc: PendingLocalOidcProvider;
let main: LocalSupabase;
let short: LocalSupabase;
/** sign-ups off */
let closed: LocalSupabase;
/** email confirmation on */
let confirming: LocalSupabase;
let cli: Listener;
const stopAtCli = (u: URL) => u.origin === cli.url;

before(async () => {
  cli = await listener();
  // the provider listens first (its issuer is known), the auth servers are configured with it,
  // then the provider learns their callback URLs: the order the local stack uses
  oidc = await listenLocalOidcProvider({ port: 0 });
  const externalProviders = { local: { issuer: oidc.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } };
  [main, short, closed, confirming] = await Promise.all([
    startLocalSupabase({ port: 0, externalProviders }),
    startLocalSupabase({ port: 0, externalProviders, flowStateTtl: 1 }),
    startLocalSupabase({ port: 0, externalProviders, signupEnabled: false }),
    startLocalSupabase({ port: 0, externalProviders, confirmEmail: true }),
  ]);
  await oidc.start({
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUris: [main, short, closed, confirming].map((s) => `${s.url}/auth/v1/callback`),
      },
    ],
    accounts: [SECOND],
  });
});
after(async () => {
  await Promise.all([main?.stop(), short?.stop(), closed?.stop(), confirming?.stop()]);
  await oidc?.stop();
  await cli?.close();
});

async function startFlow(sb: SupabaseClient, redirectTo = `${cli.url}/cb?state=xyz`): Promise<string> {
  const { data, error } = await sb.auth.signInWithOAuth({
    provider: "local" as never,
    options: { redirectTo, skipBrowserRedirect: true },
  });
  assert.equal(error, null);
  assert.ok(data.url);
  return data.url;
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;

describe("OAuth with PKCE through the local OpenID provider", () => {
  test("settings list the provider; an unknown one is GoTrue's 400", async () => {
    const settings = await raw(main, "GET", "/settings");
    assert.equal((settings.json.external as Record<string, boolean>).local, true);
    assert.equal((settings.json.external as Record<string, boolean>).github, false);
    const unknown = await raw(main, "GET", "/authorize?provider=gitbub", { apikey: null, headers: V2024 });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.code, "validation_failed");
    assert.equal(unknown.json.message, "Unsupported provider: Provider gitbub could not be found");
  });

  test("the code comes back to the loopback URL with its state; the session is the password user's", async () => {
    const password = await client(main).auth.signUp({ email: DEMO_OIDC_EMAIL, password: "pw-first-123" });
    assert.equal(password.error, null);
    const passwordUserId = password.data.user?.id;

    const { sb, verifier } = pkceClient(main);
    const url = new URL(await startFlow(sb));
    assert.equal(url.searchParams.get("code_challenge_method"), "s256");
    const authorize = await fetch(url, { redirect: "manual" });
    assert.equal(authorize.status, 302);
    const toProvider = new URL(authorize.headers.get("location") ?? "");
    assert.equal(toProvider.origin, oidc.issuer);
    assert.equal(toProvider.searchParams.get("client_id"), CLIENT_ID);
    assert.equal(toProvider.searchParams.get("redirect_uri"), `${main.url}/auth/v1/callback`);
    assert.equal(toProvider.searchParams.get("response_type"), "code");
    assert.equal(toProvider.searchParams.get("scope"), "openid email profile");
    assert.equal(toProvider.searchParams.get("code_challenge_method"), "S256");
    assert.ok(toProvider.searchParams.get("nonce"));
    assert.ok(toProvider.searchParams.get("state"));

    const back = await new Browser(stopAtCli).run(url.href);
    assert.equal(back.pathname, "/cb");
    assert.equal(back.searchParams.get("state"), "xyz", "redirect_to's own parameters are kept");
    const code = back.searchParams.get("code") ?? "";
    assert.match(code, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const usedVerifier = verifier();
    assert.match(usedVerifier, /^[0-9a-f]{112}$/);

    const { data, error } = await sb.auth.exchangeCodeForSession(code);
    assert.equal(error, null);
    const user = data.user;
    assert.equal(user?.id, passwordUserId, "one email, one user");
    assert.equal(user?.email, DEMO_OIDC_EMAIL);
    assert.deepEqual(user?.app_metadata.providers, ["email", "local"]);
    assert.equal(user?.app_metadata.provider, "email");
    assert.deepEqual(user?.identities?.map((i) => i.provider).sort(), ["email", "local"]);
    const local = user?.identities?.find((i) => i.provider === "local");
    assert.equal(local?.identity_data?.email, DEMO_OIDC_EMAIL);
    assert.equal(local?.identity_data?.email_verified, true);
    assert.equal(local?.identity_data?.iss, oidc.issuer);
    assert.equal(user?.user_metadata.full_name, "Demo User");
    const claims = claimsOf(data.session?.access_token ?? "");
    assert.equal((claims.amr as { method: string }[])[0]?.method, "oauth");
    assert.deepEqual((claims.app_metadata as { providers: string[] }).providers, ["email", "local"]);
    assert.ok(data.session?.provider_token, "the provider's access token is handed over once");

    // the password still logs in the same user
    const again = await client(main).auth.signInWithPassword({ email: DEMO_OIDC_EMAIL, password: "pw-first-123" });
    assert.equal(again.data.user?.id, passwordUserId);

    // the code works once
    const replay = await raw(main, "POST", "/token?grant_type=pkce", {
      body: JSON.stringify({ auth_code: code, code_verifier: usedVerifier }),
      headers: V2024,
    });
    assert.equal(replay.status, 404);
    assert.equal(replay.json.code, "flow_state_not_found");
    assert.equal(replay.json.message, "invalid flow state, no valid flow state found");
  });

  test("a second OAuth login finds the identity; a new email becomes a new user with provider local", async () => {
    const { sb } = pkceClient(main);
    const back = await new Browser(stopAtCli).run(await startFlow(sb));
    const first = await sb.auth.exchangeCodeForSession(back.searchParams.get("code") ?? "");
    assert.equal(first.error, null);
    assert.equal(first.data.user?.identities?.length, 2);

    const other = pkceClient(main);
    const back2 = await new Browser(stopAtCli, { email: SECOND.email, password: SECOND.password }).run(
      await startFlow(other.sb),
    );
    const created = await other.sb.auth.exchangeCodeForSession(back2.searchParams.get("code") ?? "");
    assert.equal(created.error, null);
    assert.equal(created.data.user?.email, SECOND.email);
    assert.notEqual(created.data.user?.id, first.data.user?.id);
    assert.deepEqual(created.data.user?.app_metadata, { provider: "local", providers: ["local"] });
    assert.ok(created.data.user?.email_confirmed_at, "the provider verified the email");
    assert.equal(created.data.user?.identities?.length, 1);
  });

  test("a wrong verifier is bad_code_verifier and leaves the code usable; validation first", async () => {
    const { sb } = pkceClient(main);
    const back = await new Browser(stopAtCli).run(await startFlow(sb));
    const code = back.searchParams.get("code") ?? "";
    const empty = await raw(main, "POST", "/token?grant_type=pkce", {
      body: JSON.stringify({ auth_code: code }),
      headers: V2024,
    });
    assert.equal(empty.status, 400);
    assert.equal(empty.json.code, "validation_failed");
    const wrong = await raw(main, "POST", "/token?grant_type=pkce", {
      body: JSON.stringify({ auth_code: code, code_verifier: "0".repeat(112) }),
      headers: V2024,
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.code, "bad_code_verifier");
    assert.equal(wrong.json.message, "code challenge does not match previously saved code verifier");
    const right = await sb.auth.exchangeCodeForSession(code);
    assert.equal(right.error, null);
    assert.equal(right.data.user?.email, DEMO_OIDC_EMAIL);
  });

  test("denied consent goes back to redirect_to with error=access_denied and no code", async () => {
    const { sb } = pkceClient(main);
    const back = await new Browser(stopAtCli).run(await startFlow(sb), "deny");
    assert.equal(back.searchParams.get("state"), "xyz");
    assert.equal(back.searchParams.get("error"), "access_denied");
    assert.ok(back.searchParams.get("error_description"));
    assert.equal(back.searchParams.get("code"), null);
  });

  test("a tampered, replayed or missing state is refused at the callback", async () => {
    const { sb } = pkceClient(main);
    const browser = new Browser(stopAtCli);
    const callback = await browser.run(await startFlow(sb), "allow", () => null);
    assert.equal(callback.origin, main.url);

    const tampered = new URL(callback);
    tampered.searchParams.set("state", `${callback.searchParams.get("state")}x`);
    const bad = await raw(main, "GET", `${tampered.pathname.replace("/auth/v1", "")}${tampered.search}`, {
      apikey: null,
      headers: V2024,
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, "bad_oauth_state");
    const missing = await raw(main, "GET", "/callback?code=abc", { apikey: null, headers: V2024 });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.code, "bad_oauth_callback");

    // the genuine callback still works once
    const ok = await browser.request(callback);
    const code = new URL(ok.headers.get("location") ?? "").searchParams.get("code") ?? "";
    assert.equal((await sb.auth.exchangeCodeForSession(code)).error, null);
    const replayed = await fetch(callback, { redirect: "manual" });
    assert.equal(replayed.status, 400);
  });

  test("a code the provider does not know comes back as a server_error redirect", async () => {
    const { sb } = pkceClient(main);
    const browser = new Browser(stopAtCli);
    const callback = await browser.run(await startFlow(sb), "allow", (u) => {
      const forged = new URL(u);
      forged.searchParams.set("code", "forged-code");
      return forged;
    });
    assert.equal(callback.searchParams.get("error"), "server_error");
    assert.equal(callback.searchParams.get("error_code"), "unexpected_failure");
    assert.match(callback.searchParams.get("error_description") ?? "", /Unable to exchange external code/);
    assert.equal(callback.searchParams.get("state"), "xyz");
  });

  test("redirect_to elsewhere falls back to the site URL; localhost on any port is allowed", async () => {
    const { sb } = pkceClient(main);
    const offsite = await new Browser((u) => u.origin !== oidc.issuer && u.origin !== main.url).run(
      await startFlow(sb, "https://evil.example/steal"),
    );
    assert.equal(offsite.origin, "http://127.0.0.1:3000");
    const other = pkceClient(main);
    const local = await new Browser((u) => u.origin !== oidc.issuer && u.origin !== main.url).run(
      await startFlow(other.sb, "http://localhost:1/cb?state=abc"),
    );
    assert.equal(local.origin, "http://localhost:1");
    assert.equal(local.searchParams.get("state"), "abc");
    assert.ok(local.searchParams.get("code"));
  });

  test("implicit flow: the session in the fragment", async () => {
    const { sb } = pkceClient(main, "implicit");
    const url = await startFlow(sb);
    assert.equal(new URL(url).searchParams.get("code_challenge"), null);
    const back = await new Browser(stopAtCli).run(url);
    const fragment = new URLSearchParams(back.hash.slice(1));
    assert.equal(fragment.get("token_type"), "bearer");
    assert.match(fragment.get("refresh_token") ?? "", /^[a-z2-7]{12}$/);
    const set = await sb.auth.setSession({
      access_token: fragment.get("access_token") ?? "",
      refresh_token: fragment.get("refresh_token") ?? "",
    });
    assert.equal(set.error, null);
    assert.equal(set.data.user?.email, DEMO_OIDC_EMAIL);
  });
});

describe("OAuth flow state expiry", () => {
  test("a code exchanged after flowStateTtl is flow_state_expired", async () => {
    const { sb } = pkceClient(short);
    const back = await new Browser(stopAtCli).run(await startFlow(sb));
    const code = back.searchParams.get("code") ?? "";
    assert.ok(code);
    await sleep(1_300);
    const late = await sb.auth.exchangeCodeForSession(code);
    assert.equal(late.error?.status, 422);
    assert.equal(late.error?.code, "flow_state_expired");
  });
});

describe("OAuth with sign-ups off", () => {
  test("a new email is 422 signup_disabled at redirect_to; a known user's email still links and logs in", async () => {
    const { sb } = pkceClient(closed);
    const refused = await new Browser(stopAtCli, { email: SECOND.email, password: SECOND.password }).run(
      await startFlow(sb),
    );
    assert.equal(refused.searchParams.get("error_code"), "signup_disabled");
    assert.equal(refused.searchParams.get("error_description"), "Signups not allowed for this instance");
    assert.equal(refused.searchParams.get("code"), null);

    const made = await client(closed, closed.serviceRoleKey).auth.admin.createUser({
      email: DEMO_OIDC_EMAIL,
      password: "a-password-of-theirs",
      email_confirm: true,
    });
    assert.equal(made.error, null);
    const known = pkceClient(closed);
    const back = await new Browser(stopAtCli).run(await startFlow(known.sb));
    const session = await known.sb.auth.exchangeCodeForSession(back.searchParams.get("code") ?? "");
    assert.equal(session.error, null);
    assert.equal(session.data.user?.id, made.data.user?.id);
  });
});

describe("OAuth onto an unconfirmed password account (pre-account takeover)", () => {
  test("linking drops the never-confirmed password, identities and metadata, as GoTrue does", async () => {
    // the attacker signs the victim's address up with a password of their own and never confirms
    const planted = await client(confirming).auth.signUp({
      email: SECOND.email,
      password: "attackers-password-9",
      options: { data: { display_name: "Mallory" } },
    });
    assert.equal(planted.error, null);
    assert.equal(planted.data.session, null, "confirmation is on: no session yet");
    // later the victim logs in with the provider, which has verified the address
    const { sb } = pkceClient(confirming);
    const back = await new Browser(stopAtCli, { email: SECOND.email, password: SECOND.password }).run(
      await startFlow(sb),
    );
    const victim = await sb.auth.exchangeCodeForSession(back.searchParams.get("code") ?? "");
    assert.equal(victim.error, null);
    const user = victim.data.user;
    assert.equal(user?.id, planted.data.user?.id, "GoTrue links a verified email to the existing user");
    const attacker = await client(confirming).auth.signInWithPassword({
      email: SECOND.email,
      password: "attackers-password-9",
    });
    assert.equal(attacker.error?.code, "invalid_credentials", "the attacker's password no longer opens the account");
    assert.equal(attacker.data.session, null);
    assert.ok(user?.email_confirmed_at);
    assert.deepEqual(
      user?.identities?.map((i) => i.provider),
      ["local"],
      "the unconfirmed email identity is gone",
    );
    assert.deepEqual(user?.app_metadata.providers, ["local"]);
    assert.equal(user?.user_metadata.display_name, undefined, "metadata is the provider's, not the attacker's");
    assert.equal(user?.user_metadata.full_name, SECOND.name);
  });
});
