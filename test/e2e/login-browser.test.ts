/**
 * `lgauth login --provider` and `lgauth login --otp` end to end: the built CLI, the local
 * Supabase Auth with the local OpenID provider (oidc-provider) configured as provider "local",
 * the real keychain, and Debian's Chromium (playwright-core) as the user's browser.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import { DEMO_OIDC_EMAIL, DEMO_OIDC_PASSWORD, startLocalOidcProvider } from "../../src/local-oidc/index.js";
import { authenticator } from "../helpers/authenticator.js";
import { type TestBrowser, chromiumMissing, startBrowser } from "../helpers/browser.js";
import { type Child, startChild, stopAllChildren } from "../helpers/children.js";
import { LGAUTH_BIN } from "../helpers/cli.js";
import { startOurLangGraph } from "../helpers/our-langgraph.js";
import { type AuthWorld, closedPort, keyringSkip, startAuthWorld } from "./auth-harness.js";

const skip = keyringSkip() || chromiumMissing();
const CLIENT_ID = "lgauth-local-supabase";
const CLIENT_SECRET = "local-oidc-test-secret-0123456789";

interface Stage {
  world: AuthWorld;
  stop(): Promise<void>;
}

/**
 * The OpenID provider first (it must know the callback), then Supabase Auth on the port it was
 * told, then a LangGraph server with our Auth that trusts that Supabase Auth.
 */
async function startStage(auth: { flowStateTtl?: number; otpTtl?: number } = {}): Promise<Stage> {
  const authPort = await closedPort();
  const oidc = await startLocalOidcProvider({
    port: 0,
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUris: [`http://127.0.0.1:${authPort}/auth/v1/callback`],
      },
    ],
  });
  const world = await startAuthWorld({
    supabase: {
      port: authPort,
      externalProviders: { local: { issuer: oidc.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } },
      ...auth,
    },
  });
  const dir = await mkdtemp(join(tmpdir(), "lgauth-oauth-lg-"));
  const langgraph = await startOurLangGraph(world.supabase, { dir, nWorkers: 1 });
  world.env.LANGGRAPH_URL = langgraph.url;
  return {
    world,
    async stop() {
      await langgraph.service.stop();
      await world.stop();
      await oidc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `lgauth login --provider local` running, with --no-browser (the URL is read from its output)
 * or with $BROWSER set to an opener that hands the URL to the test; resolves with the URL.
 */
async function startLogin(
  world: AuthWorld,
  profile: string,
  via: "printed" | "opener" = "printed",
  extra: string[] = [],
): Promise<{ cli: Child; url: string }> {
  const args = [LGAUTH_BIN, "--profile", profile, "login", "--provider", "local", ...extra];
  if (via === "printed") {
    const cli = startChild(process.execPath, [...args, "--no-browser"], { env: world.env });
    const m = await cli.waitFor(/^\s+(http\S+\/auth\/v1\/authorize\?\S+)$/m, 30_000);
    return { cli, url: m[1] ?? "" };
  }
  const dir = await mkdtemp(join(tmpdir(), "lgauth-opener-"));
  const opener = join(dir, "browser.sh");
  await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > "${dir}/url"\n`, { mode: 0o700 });
  const cli = startChild(process.execPath, args, { env: { ...world.env, BROWSER: opener } });
  await cli.waitFor(/Opening the local login in your browser/, 30_000);
  for (let i = 0; i < 100 && !existsSync(join(dir, "url")); i++) await sleep(50);
  const url = await readFile(join(dir, "url"), "utf8");
  await rm(dir, { recursive: true, force: true });
  return { cli, url };
}

/** The person at the browser: signs in at the provider and answers the consent page. */
async function signIn(page: Page, url: string, consent: "Allow" | "Deny" = "Allow"): Promise<void> {
  await page.goto(url);
  await page.getByLabel(/email/i).fill(DEMO_OIDC_EMAIL);
  await page.getByLabel(/password/i).fill(DEMO_OIDC_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: consent }).click();
}

async function exitOf(cli: Child): Promise<{ code: number | null; out: string }> {
  const { code } = await cli.exited;
  return { code, out: cli.output() };
}

async function whoami(
  world: AuthWorld,
  profile: string,
): Promise<{ code: number | null; json: Record<string, unknown> }> {
  const r = await world.run(["--profile", profile, "whoami", "--json"]);
  return { code: r.code, json: r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : {} };
}

describe("login --provider (browser, PKCE, loopback) and login --otp (emailed code)", { skip }, () => {
  let stage: Stage;
  let browser: TestBrowser;
  let usedCallback = "";

  before(async () => {
    // codes live 2 s between the redirect and the exchange, emailed codes 5 s: short enough to
    // test expiry, long enough for a login that is not held up on purpose
    stage = await startStage({ flowStateTtl: 2, otpTtl: 5 });
    browser = await startBrowser();
  });
  after(async () => {
    await stopAllChildren();
    await browser?.close();
    await stage?.stop();
  });

  test("signs in at the provider in Chromium; the session is stored and is the password user's identity", async () => {
    const { world } = stage;
    // the same person first signed up with a password
    const signup = await world.run(["--profile", "pw", "signup", "--email", DEMO_OIDC_EMAIL, "--password-stdin"], {
      stdin: "correct horse battery staple\n",
    });
    assert.equal(signup.code, 0, signup.stderr);

    const { cli, url } = await startLogin(world, "oauth", "opener");
    assert.match(url, /[?&]provider=local(&|$)/);
    assert.match(url, /[?&]code_challenge_method=s256(&|$)/);
    const ctx = await browser.context();
    const page = await ctx.newPage();
    page.on("request", (req) => {
      if (req.url().includes("/callback?state=") && req.url().startsWith("http://127.0.0.1")) usedCallback = req.url();
    });
    await signIn(page, url);
    const done = await exitOf(cli);
    assert.equal(done.code, 0, done.out);
    assert.ok(done.out.includes(`Logged in as ${DEMO_OIDC_EMAIL}`), done.out);
    assert.match((await page.textContent("body")) ?? "", /You can close this tab/);
    await ctx.close();

    const oauth = await whoami(world, "oauth");
    const pw = await whoami(world, "pw");
    assert.equal(oauth.code, 0);
    assert.equal(oauth.json.email, DEMO_OIDC_EMAIL);
    assert.equal(oauth.json.user_id, pw.json.user_id, "OAuth and password logins with one email are one user");
    // and the LangGraph server sees one owner: the password login's thread is the OAuth login's
    const created = await world.run(["--profile", "pw", "threads", "create", "--json"]);
    assert.equal(created.code, 0, created.stderr);
    const threadId = (JSON.parse(created.stdout) as { thread_id: string }).thread_id;
    const shown = await world.run(["--profile", "oauth", "threads", "show", threadId]);
    assert.equal(shown.code, 0, shown.stderr);
    const stranger = await world.run(
      ["--profile", "other", "signup", "--email", "other@example.com", "--password-stdin"],
      {
        stdin: "another long passphrase\n",
      },
    );
    assert.equal(stranger.code, 0, stranger.stderr);
    const hidden = await world.run(["--profile", "other", "threads", "show", threadId]);
    assert.equal(hidden.code, 1, "another user does not see it");
    const status = await world.run(["--profile", "oauth", "status", "--json"]);
    assert.match(status.stdout, /"store":\s*"keychain"/);
    // the token is a Supabase session token that says how it was obtained
    const token = await world.run(["--profile", "oauth", "token"], { printsToken: true });
    const claims = JSON.parse(Buffer.from(token.stdout.trim().split(".")[1] ?? "", "base64url").toString()) as {
      amr?: { method: string }[];
    };
    assert.ok(
      claims.amr?.some((a) => a.method === "oauth"),
      JSON.stringify(claims.amr),
    );
  });

  test("a replayed code is refused and nothing is stored", async () => {
    assert.ok(usedCallback, "the first test captured its callback");
    const oldCode = new URL(usedCallback).searchParams.get("code") ?? "";
    const { cli, url: _url } = await startLogin(stage.world, "replay");
    const printed = cli.output().match(/redirect_to=([^&\s]+)/)?.[1] ?? "";
    const redirect = new URL(decodeURIComponent(printed));
    redirect.searchParams.set("code", oldCode);
    const res = await fetch(redirect);
    assert.equal(res.status, 400, "the tab says the login failed");
    const done = await exitOf(cli);
    assert.equal(done.code, 4, done.out);
    assert.match(done.out, /login code is unknown or was already used/);
    assert.equal((await whoami(stage.world, "replay")).code, 4);
  });

  test("a forged callback (another page sends the browser to lgauth with its own code) is refused", async () => {
    const { cli } = await startLogin(stage.world, "state");
    const printed = cli.output().match(/redirect_to=([^&\s]+)/)?.[1] ?? "";
    const forged = new URL(decodeURIComponent(printed));
    forged.searchParams.set("state", "forged-by-another-page");
    forged.searchParams.set("code", randomUUID());
    const ctx = await browser.context();
    const page = await ctx.newPage();
    const res = await page.goto(forged.href);
    assert.equal(res?.status(), 400);
    const done = await exitOf(cli);
    assert.equal(done.code, 4, done.out);
    assert.match(done.out, /state that does not belong to this login; nothing was stored/);
    assert.equal((await whoami(stage.world, "state")).code, 4);
    await ctx.close();
  });

  test("denied consent is a clear error and no session", async () => {
    const { cli, url } = await startLogin(stage.world, "denied");
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await signIn(page, url, "Deny");
    const done = await exitOf(cli);
    assert.equal(done.code, 4, done.out);
    assert.match(done.out, /the local login was refused: .*nothing was stored/);
    assert.match((await page.textContent("body")) ?? "", /login failed/);
    assert.equal((await whoami(stage.world, "denied")).code, 4);
    await ctx.close();
  });

  test("an account with a verified factor: after the browser, the authenticator code from --code-stdin gives an aal2 session, and the tab says to finish in the terminal", async () => {
    const { world } = stage;
    // the same person, logged in with a password in the first test, adds an authenticator app
    const enrolled = await world.run(["--profile", "pw", "mfa", "enroll", "--json"]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const factor = JSON.parse(enrolled.stdout) as { factor_id: string; secret: string };
    const app = authenticator(factor.secret);
    const verified = await world.run(["--profile", "pw", "mfa", "verify", factor.factor_id, "--code-stdin"], {
      stdin: `${await app.code()}\n`,
    });
    assert.equal(verified.code, 0, verified.stderr);

    const { cli, url } = await startLogin(world, "oauth-mfa", "printed", ["--code-stdin"]);
    cli.proc.stdin?.end(`${await app.code()}\n`);
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await signIn(page, url);
    const done = await exitOf(cli);
    assert.equal(done.code, 0, done.out);
    assert.match(done.out, /Logged in as .* with your second factor/);
    assert.match((await page.textContent("body")) ?? "", /Enter the code from your authenticator app in the terminal/);
    await ctx.close();
    assert.equal((await whoami(world, "oauth-mfa")).json.aal, "aal2");
  });

  test("an unknown provider fails before any browser round trip", async () => {
    const r = await stage.world.run(["--profile", "typo", "login", "--provider", "gitbub", "--no-browser"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^lgauth: the provider "gitbub" is not enabled .*\(enabled: local\)$/m);
    assert.doesNotMatch(r.stderr, /authorize\?/);
  });
  test("a code that reaches lgauth after the flow expired is refused", async () => {
    const { cli, url } = await startLogin(stage.world, "late");
    const ctx = await browser.context();
    const page = await ctx.newPage();
    const reached = new Promise<void>((resolve) => {
      page.on("request", (req) => {
        if (/^http:\/\/127\.0\.0\.1:\d+\/callback\?/.test(req.url())) resolve();
      });
    });
    // lgauth is held still (SIGSTOP) while the browser brings the code, so the code is older
    // than the flow's 2 s lifetime when lgauth exchanges it
    process.kill(cli.pid, "SIGSTOP");
    try {
      const signingIn = signIn(page, url);
      await reached;
      await sleep(2_500);
      process.kill(cli.pid, "SIGCONT");
      await signingIn;
    } finally {
      if (cli.proc.exitCode === null) process.kill(cli.pid, "SIGCONT");
    }
    const done = await exitOf(cli);
    assert.equal(done.code, 4, done.out);
    assert.match(done.out, /login code expired/);
    assert.equal((await whoami(stage.world, "late")).code, 4);
    await ctx.close();
  });
  async function outboxCode(email: string): Promise<string> {
    const s = stage.world.supabase;
    const res = await fetch(`${s.url}/auth/v1/_dev/outbox?email=${encodeURIComponent(email)}`, {
      headers: { apikey: s.serviceRoleKey, Authorization: `Bearer ${s.serviceRoleKey}` },
    });
    const body = (await res.json()) as { messages: { token: string }[] };
    const last = body.messages.at(-1);
    assert.ok(last, `a message to ${email} in the outbox`);
    return last.token;
  }

  /** A passwordless account (the admin API): `login --otp` never creates one. */
  async function createAccount(email: string): Promise<void> {
    const s = stage.world.supabase;
    const res = await fetch(`${s.url}/auth/v1/admin/users`, {
      method: "POST",
      headers: {
        apikey: s.serviceRoleKey,
        Authorization: `Bearer ${s.serviceRoleKey}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ email, email_confirm: true }),
    });
    assert.equal(res.status, 200, await res.text());
  }

  async function startOtp(profile: string, email: string): Promise<Child> {
    await createAccount(email);
    return startChild(
      process.execPath,
      [LGAUTH_BIN, "--profile", profile, "login", "--otp", "--email", email, "--code-stdin"],
      {
        env: stage.world.env,
      },
    );
  }

  test("the code from the outbox logs the user in", async () => {
    const email = "otp-user@example.com";
    const cli = await startOtp("otp", email);
    await cli.waitFor(/A login code was sent to otp-user@example\.com/, 30_000);
    cli.proc.stdin?.end(`${await outboxCode(email)}\n`);
    const done = await exitOf(cli);
    assert.equal(done.code, 0, done.out);
    const me = await whoami(stage.world, "otp");
    assert.equal(me.json.email, email);
  });

  test("a wrong code is refused and nothing is stored", async () => {
    const email = "otp-wrong@example.com";
    const cli = await startOtp("otp-wrong", email);
    await cli.waitFor(/A login code was sent/, 30_000);
    const right = await outboxCode(email);
    const wrong = right === "000000" ? "111111" : "000000";
    cli.proc.stdin?.end(`${wrong}\n`);
    const done = await exitOf(cli);
    assert.equal(done.code, 4, done.out);
    assert.match(done.out, /the code is wrong or has expired/);
    assert.equal((await whoami(stage.world, "otp-wrong")).code, 4);
  });
});
