/**
 * GoTrue's own configuration taking effect, through the real supabase-js client: the standalone
 * server started from GOTRUE_* variables (a GoTrue container's settings reused as they are),
 * `lgauth dev` in a Supabase CLI project reading supabase/config.toml [auth], and the settings
 * the GOTRUE_* table maps (redirect allow list, password policy, email frequency) on an
 * in-process server.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { applyGotrueSettings } from "../../src/local-supabase/gotrue-env.js";
import { childCode } from "../../src/stack/paths.js";
import { startChild, stopAllChildren } from "../helpers/children.js";
import { LGAUTH_BIN } from "../helpers/cli.js";
import { lgClient } from "../helpers/server-stack.js";
import { client, email, outbox, raw } from "./local-supabase-kit.js";

const servers: LocalSupabase[] = [];
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-gotrue-config-"));
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await stopAllChildren();
  await rm(dir, { recursive: true, force: true });
});

/** A server from GOTRUE_* settings, as the standalone entry would build it. */
async function fromGotrue(entries: [string, string][]): Promise<LocalSupabase> {
  const { options, warnings } = applyGotrueSettings(entries);
  assert.deepEqual(warnings, []);
  const s = await startLocalSupabase({ port: 0, ...options });
  servers.push(s);
  return s;
}

interface Info {
  supabase_url: string;
  supabase_anon_key: string;
  supabase_service_key: string;
  langgraph_url: string;
}

const CONFIG_SECRET = "config-toml-jwt-secret-at-least-32-characters";

describe("the standalone server from a GoTrue container's variables", () => {
  test("a signup-disabled, RS256-keyed server: GOTRUE_DISABLE_SIGNUP, GOTRUE_JWT_KEYS, GOTRUE_JWT_EXP, GOTRUE_PASSWORD_MIN_LENGTH and GOTRUE_SITE_URL take effect; unused ones are warned about once", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const rsa = { ...(await exportJWK(privateKey)), kid: "rsa-1", alg: "RS256", key_ops: ["sign", "verify"] };
    const code = childCode(); // the prebuilt entry when the build is current, else the source under tsx
    const child = startChild(
      process.execPath,
      [...code.nodeArgs(), code.module("local-supabase/main"), "--port", "0"],
      {
        env: {
          ...process.env,
          GOTRUE_DISABLE_SIGNUP: "true",
          GOTRUE_JWT_KEYS: JSON.stringify([rsa]),
          GOTRUE_JWT_EXP: "120",
          GOTRUE_PASSWORD_MIN_LENGTH: "10",
          GOTRUE_SITE_URL: "https://app.example.com",
          GOTRUE_MAILER_AUTOCONFIRM: "true",
          GOTRUE_JWT_AUD: "authenticated",
          GOTRUE_DB_DRIVER: "postgres",
          GOTRUE_SMTP_HOST: "inbucket",
        },
      },
    );
    const line = await child.waitFor(/^\{"supabase_url".*\}$/m, 60_000);
    const info = JSON.parse(line[0]) as Info;
    const s: LocalSupabase = {
      url: info.supabase_url,
      anonKey: info.supabase_anon_key,
      serviceRoleKey: info.supabase_service_key,
      stop: async () => {},
    };
    const warnings = child.output().match(/^local-supabase: warning: .*$/gm) ?? [];
    assert.deepEqual(
      warnings.map((w) => w.split(":")[2]?.trim()),
      ["GOTRUE_DB_DRIVER", "GOTRUE_SMTP_HOST"],
      child.output(),
    );

    const sb = client(s);
    const signup = await sb.auth.signUp({ email: email("gotrue-env"), password: "ten-chars!" });
    assert.equal(signup.error?.status, 422);
    assert.equal(signup.error?.code, "signup_disabled");
    // the admin API still creates users
    const admin = client(s, s.serviceRoleKey).auth.admin;
    const addr = email("gotrue-env");
    assert.equal((await admin.createUser({ email: addr, password: "ten-chars!", email_confirm: true })).error, null);
    const ok = await sb.auth.signInWithPassword({ email: addr, password: "ten-chars!" });
    assert.equal(ok.error, null);
    const short = await sb.auth.updateUser({ password: "nine-char" });
    assert.equal(short.error?.code, "weak_password");
    assert.equal(short.error?.message, "Password should be at least 10 characters.");
    const token = ok.data.session!.access_token;
    assert.deepEqual(decodeProtectedHeader(token), { alg: "RS256", kid: "rsa-1", typ: "JWT" });
    const jwks = createRemoteJWKSet(new URL(`${s.url}/auth/v1/.well-known/jwks.json`), {
      headers: { apikey: s.anonKey },
    });
    const { payload: claims } = await jwtVerify(token, jwks); // the published public key verifies it
    assert.equal(claims.exp! - claims.iat!, 120);
    assert.equal(ok.data.session!.expires_in, 120);
    // no valid redirect_to: /verify sends the browser to GOTRUE_SITE_URL
    const verify = await raw(s, "GET", "/verify?token=nope&type=signup", { apikey: null });
    assert.equal(verify.status, 303);
    assert.match(verify.headers.get("location") ?? "", /^https:\/\/app\.example\.com\/?#error=/);

    await child.stop("SIGTERM");
    assert.equal((await child.exited).code, 0, child.output());
  });
});

describe("lgauth dev in a Supabase CLI project", () => {
  test("supabase/config.toml [auth] takes effect: sign-ups off, token lifetime, password minimum, TOTP off by the CLI's default, jwt_secret signs HS256 tokens the LangGraph server takes; unknown keys warned about", async () => {
    const project = join(dir, "project");
    await mkdir(join(project, "supabase"), { recursive: true });
    await writeFile(
      join(project, "supabase", "config.toml"),
      [
        'project_id = "demo"',
        "[auth]",
        "jwt_expiry = 120",
        `jwt_secret = "${CONFIG_SECRET}"`,
        "minimum_password_length = 10",
        "enable_signup = false",
        "enable_sigup = false", // a typo: warned about, not applied
        "[auth.email]",
        'max_frequency = "5s"',
        "",
      ].join("\n"),
    );
    const child = startChild(
      process.execPath,
      [LGAUTH_BIN, "dev", "--json", "--auth-port", "0", "--langgraph-port", "0", "--data-dir", join(dir, "data")],
      { cwd: project, env: { ...process.env, LGAUTH_CONFIG_DIR: join(dir, "config"), GOTRUE_JWT_EXP: "7" } },
    );
    const [line] = await child.waitFor(/^\{"supabase_url".*\}$/m, 90_000);
    const info = JSON.parse(line) as Info;
    const s: LocalSupabase = {
      url: info.supabase_url,
      anonKey: info.supabase_anon_key,
      serviceRoleKey: info.supabase_service_key,
      stop: async () => {},
    };
    assert.match(child.output(), /^lgauth dev: auth settings from supabase\/config\.toml \[auth\]$/m);
    assert.deepEqual(child.output().match(/^lgauth dev: warning: .*$/gm), [
      "lgauth dev: warning: supabase/config.toml: auth.enable_sigup: unknown key; ignored",
    ]);

    const sb = client(s);
    const signup = await sb.auth.signUp({ email: email("toml"), password: "ten-chars!" });
    assert.equal(signup.error?.code, "signup_disabled", "enable_signup = false");
    const admin = client(s, s.serviceRoleKey).auth.admin;
    const addr = email("toml");
    assert.equal((await admin.createUser({ email: addr, password: "ten-chars!", email_confirm: true })).error, null);
    const ok = await sb.auth.signInWithPassword({ email: addr, password: "ten-chars!" });
    assert.equal(ok.error, null);
    const short = await sb.auth.updateUser({ password: "nine-char" });
    assert.equal(short.error?.code, "weak_password", "minimum_password_length = 10");
    const claims = decodeJwt(ok.data.session!.access_token);
    assert.equal(claims.exp! - claims.iat!, 120, "jwt_expiry; a GOTRUE_JWT_EXP in the shell is not used by lgauth dev");
    // jwt_secret: HS256 with that secret, for the user's tokens and the printed keys alike
    const secret = new TextEncoder().encode(CONFIG_SECRET);
    for (const token of [ok.data.session!.access_token, s.anonKey, s.serviceRoleKey]) {
      assert.equal(decodeProtectedHeader(token).alg, "HS256");
      await jwtVerify(token, secret);
    }
    // and the stack's LangGraph server verifies them with it: alice's thread is hers
    const thread = await lgClient(info.langgraph_url, ok.data.session!.access_token).threads.create();
    assert.equal(thread.metadata?.owner, claims.sub);
    const enroll = await sb.auth.mfa.enroll({ factorType: "totp" });
    assert.equal(enroll.error?.code, "mfa_totp_enroll_not_enabled", "[auth.mfa.totp] absent: off, as the CLI");

    await child.stop("SIGINT");
    assert.equal((await child.exited).code, 0, child.output());

    await writeFile(join(project, "supabase", "config.toml"), "[auth]\njwt_expiry = -1\n");
    const bad = startChild(process.execPath, [LGAUTH_BIN, "dev", "--only", "auth", "--auth-port", "0"], {
      cwd: project,
      env: { ...process.env, LGAUTH_CONFIG_DIR: join(dir, "config"), NO_COLOR: "1" },
    });
    assert.equal((await bad.exited).code, 2);
    assert.match(bad.output(), /^lgauth: supabase\/config\.toml: auth\.jwt_expiry: expected a whole number/m);
    assert.doesNotMatch(bad.output(), /\n\s+at /, "no stack trace");
  });
});

describe("settings from the GOTRUE_* table", () => {
  // one server for the file's in-process tests (a server start costs more than the tests)
  let shared: Promise<LocalSupabase> | undefined;
  const server = () =>
    (shared ??= fromGotrue([
      ["GOTRUE_MAILER_AUTOCONFIRM", "false"],
      ["GOTRUE_SITE_URL", "https://site.example.com"],
      ["GOTRUE_URI_ALLOW_LIST", "https://*.example.com/**,myapp://callback"],
      ["GOTRUE_PASSWORD_REQUIRED_CHARACTERS", "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789"],
      ["GOTRUE_SMTP_MAX_FREQUENCY", "5s"],
    ]));

  test("GOTRUE_URI_ALLOW_LIST: an allowed redirect is kept in the emailed link, another becomes the site URL", async () => {
    const s = await server();
    const sb = client(s);
    const cases: [string, string][] = [
      ["https://app.example.com/welcome?x=1", "https://app.example.com/welcome?x=1"],
      ["myapp://callback", "myapp://callback"],
      ["https://a.b.example.com/welcome", "https://site.example.com"], // * stops at '.'
      ["https://evil.example.org/", "https://site.example.com"],
    ];
    for (const [asked, expected] of cases) {
      const addr = email("allow");
      const { error } = await sb.auth.signUp({
        email: addr,
        password: "Secret123",
        options: { emailRedirectTo: asked },
      });
      assert.equal(error, null);
      const link = new URL((await outbox(s, addr))[0]!.link);
      assert.equal(link.searchParams.get("redirect_to"), expected, asked);
    }
  });

  test("GOTRUE_PASSWORD_REQUIRED_CHARACTERS and GOTRUE_SMTP_MAX_FREQUENCY", async () => {
    const s = await server();
    const sb = client(s);
    const addr = email("policy");
    const weak = await sb.auth.signUp({ email: addr, password: "alllowercase" });
    assert.equal(weak.error?.code, "weak_password");
    assert.deepEqual((weak.error as unknown as { reasons: string[] }).reasons, ["characters"]);
    assert.equal(
      weak.error?.message,
      "Password should contain at least one character of each: abcdefghijklmnopqrstuvwxyz, ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789.",
    );
    assert.equal((await sb.auth.signUp({ email: addr, password: "Mixed1case" })).error, null);
    // a second confirmation mail at once: refused for the seconds left of 5 (the default is 60)
    const again = await sb.auth.signUp({ email: addr, password: "Mixed1case" });
    assert.equal(again.error?.code, "over_email_send_rate_limit");
    const left = Number(/after (\d+) seconds/.exec(again.error?.message ?? "")?.[1]);
    assert.ok(left >= 1 && left <= 5, again.error?.message);
  });
});
