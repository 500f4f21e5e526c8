/**
 * `lgauth demo`: two users, alice and bob, on the local stack (or a given deployment), each
 * chatting in private; then bob tries alice's data every way the server offers, and the table
 * shows what a private server must answer and what this one did. Exit 0 when isolation holds,
 * 5 on any leak. The user's own profiles are never touched: everything lives in a temporary
 * config directory, removed at the end unless --keep.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProbes } from "../../audit/runner.js";
import { forgedToken, tamperedToken } from "../../audit/tokens.js";
import { listThreads, streamAnswer } from "../../langgraph/conversations.js";
import { describeLangGraphError } from "../../langgraph/errors.js";
import { sessionAccounts } from "../../session/accounts.js";
import { ConfigStore, type ServerSettings } from "../../session/config.js";
import { chooseStoreForLogin } from "../../session/credentials/select.js";
import { passwordAuth } from "../../session/login.js";
import { logoutProfile } from "../../session/logout.js";
import { getAccessToken, loadProfileState } from "../../session/session.js";
import type { Stack } from "../../stack/index.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import type { Spinner } from "../io.js";
import { openLangGraph } from "../langgraph-session.js";
import { paint } from "../output.js";
import { reportChecks } from "../probe-report.js";

interface DemoOptions {
  ci?: boolean;
  keep?: boolean;
  emailDomain?: string;
  junit?: string;
}

/** Access tokens live this long in the demo's stack: every command refreshes, and a token
 * taken at the start is expired (past the server's 5 s leeway) by the time bob probes. */
const DEMO_TOKEN_TTL = 3;

interface Narrator {
  step(text: string): void;
  done(text: string): void;
  line(text: string): void;
  stop(): void;
}

function narrator(ctx: Context, ci: boolean): Narrator {
  // With --json, stdout holds only the document: the story goes to stderr.
  const out = (text: string) => (ctx.json ? ctx.io.stderr : ctx.io.stdout).write(`${text}\n`);
  const animate = !ci && !ctx.json;
  let spinner: Spinner | undefined;
  return {
    step(text) {
      spinner?.stop();
      spinner = ctx.io.startSpinner(text, animate);
      if (!animate) out(`… ${text}`);
    },
    done(text) {
      spinner?.stop();
      spinner = undefined;
      out(`${paint(ctx.color, "green", "✓")} ${text}`);
    },
    line(text) {
      spinner?.stop();
      spinner = undefined;
      out(text);
    },
    stop() {
      spinner?.stop();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const demo: Action<[], DemoOptions> = async (parent, _args, opts) => {
  const ci = opts.ci === true;
  const ctx: Context = { ...parent, color: parent.color && !ci };
  const domain = opts.emailDomain ?? "example.com";
  if (!/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(domain))
    throw new UsageError(`--email-domain "${domain}" is not a domain`);
  const given = ctx.flags.supabaseUrl !== undefined || ctx.flags.langgraphUrl !== undefined;
  if (given && !(ctx.flags.supabaseUrl && ctx.flags.langgraphUrl)) {
    throw new UsageError("to run the demo against a deployment, give both --supabase-url and --langgraph-url");
  }
  const say = narrator(ctx, ci);
  const work = await mkdtemp(join(tmpdir(), "lgauth-demo-"));
  const configDir = join(work, "config");
  // alice and bob live in the demo's own config folder, never in the user's
  const config = new ConfigStore(configDir);
  const env: NodeJS.ProcessEnv = { ...ctx.env, LGAUTH_CONFIG_DIR: configDir };
  for (const k of ["LGAUTH_ACCESS_TOKEN", "LGAUTH_PROFILE", "LGAUTH_CREDENTIAL_STORE"]) delete env[k];
  let stack: Stack | undefined;
  let keep = false;
  const profiles: string[] = [];
  const started = Date.now();
  try {
    let flags: ServerSettings;
    if (given) {
      flags = { ...ctx.flags };
      say.line(`Using the deployment at ${flags.langgraphUrl} with Supabase Auth at ${flags.supabaseUrl}`);
    } else {
      say.step("Starting the local stack (Supabase Auth on PGlite + LangGraph server) on free ports");
      const { startStack } = await import("../../stack/index.js");
      stack = await startStack({
        dataDir: join(work, "stack"),
        authInMemory: true,
        authPort: 0,
        langgraphPort: 0,
        accessTokenTtl: DEMO_TOKEN_TTL,
        nWorkers: 2,
        langgraphEnv: { AUTH_REVOCATION_INTERVAL: "1" },
        env,
      });
      flags = { supabaseUrl: stack.supabaseUrl, supabaseAnonKey: stack.anonKey, langgraphUrl: stack.langgraphUrl };
      say.done(
        `Local stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: auth ${stack.supabaseUrl}, LangGraph ${stack.langgraphUrl}`,
      );
    }
    const as = (profile: string): Context => ({ ...ctx, profile, env, flags, config });
    const suffix = randomBytes(3).toString("hex");
    const users = ["alice", "bob"].map((name) => ({
      name,
      email: `${name}.${suffix}@${domain}`,
      password: `${name}-${randomBytes(9).toString("base64url")}`,
    }));

    say.step("Signing up alice and bob at Supabase Auth");
    let storeWords = "";
    for (const u of users) {
      const c = as(u.name);
      const chosen = await chooseStoreForLogin(c, {
        insecureStorage: true, // the demo's own temporary folder; the warning says so
        probeAccount: sessionAccounts(u.name, flags.supabaseUrl ?? "").refresh,
      });
      const outcome = await passwordAuth(c, "signup", u.email, u.password, chosen);
      if (outcome.status !== "logged_in") {
        throw new CliError(`${u.email} must confirm their email before logging in`, {
          hint: "this Supabase project confirms emails; run the demo on the local stack, or use `lgauth audit` with two confirmed profiles",
        });
      }
      profiles.push(u.name);
      storeWords =
        chosen.kind === "keychain" ? "tokens in the OS keychain" : "tokens in a 0600 file (no keychain answered)";
    }
    say.done(`alice and bob signed up and logged in (${storeWords})`);
    const stale = await getAccessToken(as("bob"), { minValiditySeconds: 0 });

    for (const u of users) {
      say.step(`${u.name} chats`);
      const { client, url } = await openLangGraph(as(u.name));
      const thread = await client.threads.create({ metadata: { demo: "lgauth" } }).catch((err: unknown) => {
        throw describeLangGraphError(err, url, "thread");
      });
      say.line(`${paint(ctx.color, "cyan", `${u.name}>`)} hi, I am ${u.name}`);
      let first = true;
      const prefix = `${paint(ctx.color, "green", "agent>")} `;
      const write = (t: string) => (ctx.json ? ctx.io.stderr : ctx.io.stdout).write(t);
      const answer = await streamAnswer(client, thread.thread_id, `hi, I am ${u.name}`, {
        onToken: (t) => {
          if (first) {
            say.stop();
            write(prefix);
            first = false;
          }
          write(t);
        },
      }).catch((err: unknown) => {
        throw describeLangGraphError(err, url, `thread ${thread.thread_id}`);
      });
      write("\n");
      if (!answer.text.includes(u.email)) {
        throw new CliError(`the agent did not greet ${u.name} by her login (${answer.text.slice(0, 80)})`);
      }
    }
    for (const u of users) {
      const { client } = await openLangGraph(as(u.name));
      const threads = await listThreads(client, { limit: 50 });
      say.done(
        `${u.name} lists ${u.name === "alice" ? "her" : "his"} threads: ${threads.length} (${threads.map((t) => t.title).join(", ")})`,
      );
    }

    say.step("Preparing bad tokens: forged, tampered, expired, and one from a logged-out session");
    const aliceState = await loadProfileState(as("alice"));
    const bobState = await loadProfileState(as("bob"));
    const aliceId = aliceState.profile?.userId ?? "";
    const bobId = bobState.profile?.userId ?? "";
    const aliceToken = () => getAccessToken(as("alice"), { minValiditySeconds: 60 });
    const bobToken = () => getAccessToken(as("bob"), { minValiditySeconds: 60 });
    const bad: { forged: string; tampered: string; revoked?: string; expired?: string } = {
      forged: await forgedToken(await bobToken()),
      tampered: tamperedToken(await bobToken(), aliceId),
    };
    if (stack) {
      // expired: bob's first token, once it is past its lifetime and the server's leeway
      const exp = JSON.parse(Buffer.from(stale.split(".")[1] ?? "", "base64url").toString("utf8")).exp as number;
      const wait = exp * 1000 + 6_000 - Date.now();
      if (wait > 0) await sleep(wait);
      bad.expired = stale;
    }
    // a second session of bob's, logged out at once: its token must stop working
    const bob = users[1];
    if (!bob) throw new Error("unreachable");
    const old = as("bob-old-session");
    const chosen = await chooseStoreForLogin(old, {
      insecureStorage: true,
      probeAccount: sessionAccounts("bob-old-session", flags.supabaseUrl ?? "").refresh,
    });
    await passwordAuth(old, "login", bob.email, bob.password, chosen);
    bad.revoked = await getAccessToken(old, { minValiditySeconds: 0 });
    const oldState = await loadProfileState(old);
    await logoutProfile(old, oldState.profile, "local");
    say.done("bad tokens ready");

    say.step("bob tries alice's thread, runs and store every way the server offers");
    const run = await runProbes({
      langgraphUrl: flags.langgraphUrl ?? "",
      owner: { name: "alice", userId: aliceId, token: aliceToken },
      attacker: { name: "bob", userId: bobId, token: bobToken },
      badTokens: bad,
    });
    await run.cleanup();
    say.stop();
    if (!ctx.json) say.line("");
    const code = await reportChecks(ctx, run.checks, {
      title: "lgauth demo",
      junit: opts.junit,
      seconds: (Date.now() - started) / 1000,
      extra: { langgraph_url: flags.langgraphUrl, supabase_url: flags.supabaseUrl },
    });
    if (opts.keep && stack) {
      keep = true;
      say.line("");
      say.line("The stack keeps running (Ctrl-C to stop it). Continue by hand in another terminal:");
      say.line(`  export LGAUTH_CONFIG_DIR=${configDir}`);
      say.line(`  lgauth --profile alice threads list     # or --profile bob; passwords are in no file`);
      say.line(`  lgauth --profile bob chat`);
    } else if (!ctx.json) {
      say.line(
        `Try it by hand: \`lgauth dev\`, then \`lgauth signup\`, \`lgauth chat\` and \`lgauth threads list\` as two profiles.`,
      );
    }
    if (keep && stack) {
      const running = stack;
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        void running.died.then(stop);
      });
    }
    return code;
  } finally {
    say.stop();
    for (const p of profiles) {
      const c = { ...ctx, profile: p, env, config };
      await loadProfileState(c)
        .then((s) => logoutProfile(c, s.profile, "local"))
        .catch(() => undefined);
    }
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  }
};
