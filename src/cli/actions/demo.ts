/**
 * `lgauth demo`: two users, alice and bob, on the local stack (or a given deployment), each
 * chatting in private; alice turns on MFA; then bob tries alice's data every way the server
 * offers (and alice's password-only session, which her second factor must make useless), and
 * the table shows what a private server must answer and what this one did. Exit 0 when isolation holds,
 * 5 on any leak. The user's own profiles are never touched: everything, alice's and bob's
 * tokens included (a 0600 file, not the keychain: they are throwaway), lives in a temporary
 * config directory, removed at the end (with --keep, when the stack stops).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProbes } from "../../audit/runner.js";
import { expiredToken, forgedToken, newSigningKey, type TokenSigner, tamperedToken } from "../../audit/tokens.js";
import { listThreads, streamAnswer } from "../../langgraph/conversations.js";
import { ConfigStore, type ServerSettings } from "../../session/config.js";
import { FileStore } from "../../session/credentials/file.js";
import type { ChosenStore } from "../../session/credentials/select.js";
import { passwordAuth } from "../../session/login.js";
import { logoutProfile } from "../../session/logout.js";
import { getAccessToken, loadProfileState } from "../../session/session.js";
import type { Stack } from "../../stack/index.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { CliError, LgauthError, UsageError } from "../errors.js";
import type { Spinner } from "../io.js";
import { openLangGraph } from "../langgraph-session.js";
import { paint } from "../output.js";
import { reportChecks } from "../probe-report.js";

export interface DemoOptions {
  ci?: boolean;
  keep?: boolean;
  /** Checked by its parser; default example.com. */
  emailDomain: string;
  junit?: string;
}

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

/** Output that runs at once when live, or is kept until `release()` and then runs in order. */
function heldOutput(live: boolean): { emit(write: () => void): void; release(): void } {
  const held: (() => void)[] = [];
  let open = live;
  return {
    emit(write) {
      if (open) write();
      else held.push(write);
    },
    release() {
      open = true;
      for (const write of held.splice(0)) write();
    },
  };
}

type Enrolled = { factorId: string; code: () => string } | { skipped: string };

/**
 * alice enrolls an authenticator app (the demo is her app: it computes the codes from the
 * secret, held in memory only). An unverified factor changes nothing yet, so this runs while
 * she still uses her password-only session. Where the project does not offer TOTP MFA: why not.
 */
async function aliceEnrollsApp(alice: Context): Promise<Enrolled> {
  const { enrollTotp } = await import("../../session/mfa.js");
  const { Secret, TOTP } = await import("otpauth");
  try {
    const factor = await enrollTotp(alice, "lgauth demo", undefined);
    const app = new TOTP({ secret: Secret.fromBase32(factor.secret), algorithm: "SHA1", digits: 6, period: 30 });
    return { factorId: factor.factor_id, code: () => app.generate() };
  } catch (err) {
    if (!(err instanceof LgauthError)) throw err;
    return { skipped: err.message };
  }
}

/**
 * alice verifies her app's first code, so her stored session is aal2; then a password-only
 * sign-in gives the aal1 session a client ignoring MFA would hold (made after the factor is
 * verified, which ends her earlier aal1 sessions: so only after her last request with one).
 */
async function aliceTurnsOnMfa(
  alice: Context,
  user: { email: string; password: string } | undefined,
  enrolling: Promise<Enrolled>,
): Promise<{ aal1: string } | { skipped: string }> {
  if (!user) throw new Error("unreachable");
  const enrolled = await enrolling;
  if ("skipped" in enrolled) return enrolled;
  const { passwordOnlyToken, verifyFactor } = await import("../../session/mfa.js");
  try {
    await verifyFactor(alice, enrolled.factorId, { attempts: 1, read: async () => enrolled.code() });
    return { aal1: await passwordOnlyToken(alice, user.email, user.password) };
  } catch (err) {
    if (!(err instanceof LgauthError)) throw err;
    return { skipped: err.message };
  }
}

export const demo: Action<[], DemoOptions> = async (parent, _args, opts) => {
  const ci = opts.ci === true;
  const ctx: Context = { ...parent, color: parent.color && !ci };
  const domain = opts.emailDomain;
  const given = ctx.flags.supabaseUrl !== undefined || ctx.flags.langgraphUrl !== undefined;
  if (given && !(ctx.flags.supabaseUrl && ctx.flags.langgraphUrl)) {
    throw new UsageError("to run the demo against a deployment, give both --supabase-url and --langgraph-url");
  }
  const say = narrator(ctx, ci);
  const work = await mkdtemp(join(tmpdir(), "lgauth-demo-"));
  const configDir = join(work, "config");
  // alice and bob live in the demo's own config folder, never in the user's
  const config = new ConfigStore(configDir);
  const env: NodeJS.ProcessEnv = { ...ctx.env, LGAUTH_CONFIG_DIR: configDir, LGAUTH_CREDENTIAL_STORE: "file" };
  for (const k of ["LGAUTH_ACCESS_TOKEN", "LGAUTH_PROFILE"]) delete env[k];
  // throwaway users in a throwaway folder: their tokens go to its 0600 file, not the keychain
  const fileStore = (): ChosenStore => ({
    store: new FileStore(config.credentialsFile),
    kind: "file",
    reason: "the demo's temporary folder",
  });
  let stack: Stack | undefined;
  let signer: TokenSigner | undefined;
  let keep = false;
  const profiles: string[] = [];
  // work started ahead of its step; settled before the users are logged out or the stack stops
  const background: Promise<unknown>[] = [];
  const started = Date.now();
  try {
    let flags: ServerSettings;
    if (given) {
      flags = { ...ctx.flags };
      say.line(`Using the deployment at ${flags.langgraphUrl} with Supabase Auth at ${flags.supabaseUrl}`);
    } else {
      say.step("Starting the local stack (Supabase Auth on PGlite + LangGraph server) on free ports");
      const { startStack } = await import("../../stack/index.js");
      // Signed as new Supabase projects sign, with an asymmetric key (ES256) that the LangGraph
      // server finds in the auth server's JWKS; the key is this run's own, so the demo can sign a
      // token that is already expired instead of waiting for one to expire.
      const key = newSigningKey();
      signer = key.signer;
      stack = await startStack({
        dataDir: join(work, "stack"),
        authInMemory: true,
        authPort: 0,
        langgraphPort: 0,
        jwtKeys: [key.jwk],
        authVerify: "jwks",
        oidc: false, // the demo logs in with passwords only
        // An idle worker looks for queued runs every 0 to 1 s (at random). The probes queue five
        // runs at once: with 16 idle workers the fifth is picked up after about 0.3 s, not 0.8 s.
        nWorkers: 16,
        langgraphEnv: {
          AUTH_REVOCATION_INTERVAL: "1",
          // the offline model's pause between tokens only shows streaming to someone watching
          ...(ci ? { LGAUTH_OFFLINE_TOKEN_DELAY_MS: "0" } : {}),
        },
        env,
      });
      flags = { supabaseUrl: stack.supabaseUrl, supabaseAnonKey: stack.anonKey, langgraphUrl: stack.langgraphUrl };
      say.done(
        `Local stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: auth ${stack.supabaseUrl}, LangGraph ${stack.langgraphUrl}`,
      );
      say.line(`  tokens: ES256, this run's key; the LangGraph server verifies them with the auth server's JWKS`);
    }
    const as = (profile: string): Context => ({ ...ctx, profile, env, flags, config });
    const suffix = randomBytes(3).toString("hex");
    const users = ["alice", "bob"].map((name) => ({
      name,
      // user_metadata.display_name, which the server passes to the graph
      displayName: name === "alice" ? "Alice" : "Bob",
      email: `${name}.${suffix}@${domain}`,
      password: `${name}-${randomBytes(9).toString("base64url")}`,
    }));

    say.step("Signing up alice and bob at Supabase Auth");
    await Promise.all(
      users.map(async (u) => {
        const outcome = await passwordAuth(as(u.name), "signup", u.email, u.password, fileStore(), undefined, {
          display_name: u.displayName,
        });
        if (outcome.status !== "logged_in") {
          throw new CliError(`${u.email} must confirm their email before logging in`, {
            hint: "this Supabase project confirms emails; run the demo on the local stack, or use `lgauth audit` with two confirmed profiles",
          });
        }
        profiles.push(u.name);
      }),
    );
    say.done("alice and bob signed up and logged in");
    say.line(
      `  their tokens: ${config.credentialsFile} (0600, in a temporary folder removed ${opts.keep && !given ? "when the stack stops" : "at the end"})`,
    );

    // Made while the chats run (these need Supabase Auth, the chats the LangGraph server) and
    // told in their steps: a second session of bob's, logged out at once (its token must stop
    // working), and alice's authenticator app, enrolled but not yet verified.
    const loggedOut = (async () => {
      const bob = users[1];
      if (!bob) throw new Error("unreachable");
      const old = as("bob-old-session");
      await passwordAuth(old, "login", bob.email, bob.password, fileStore());
      const token = await getAccessToken(old, { minValiditySeconds: 0 });
      const oldState = await loadProfileState(old);
      await logoutProfile(old, oldState.profile, "local");
      return token;
    })();
    loggedOut.catch(() => undefined); // awaited below
    background.push(loggedOut);
    const enrolling = aliceEnrollsApp(as("alice"));
    enrolling.catch(() => undefined); // awaited below
    background.push(enrolling);

    // Both chat at once (each run waits up to a second for a worker of the server's queue);
    // bob's part of the story is held back until alice's is told, so it reads in turn.
    const write = (t: string) => (ctx.json ? ctx.io.stderr : ctx.io.stdout).write(t);
    const chats = users.map((u, i) => {
      const out = heldOutput(i === 0);
      const done = (async () => {
        out.emit(() => say.step(`${u.name} chats`));
        const { client } = await openLangGraph(as(u.name));
        const thread = await client.threads.create({ metadata: { demo: "lgauth" } });
        out.emit(() => say.line(`${paint(ctx.color, "cyan", `${u.name}>`)} hi, I am ${u.name}`));
        let first = true;
        const prefix = `${paint(ctx.color, "green", "agent>")} `;
        const answer = await streamAnswer(client, thread.thread_id, `hi, I am ${u.name}`, {
          onToken: (t) =>
            out.emit(() => {
              if (first) {
                say.stop();
                write(prefix);
                first = false;
              }
              write(t);
            }),
        });
        out.emit(() => write("\n"));
        // our server greets by the display name; one with the tutorial's Auth, by the email
        if (!answer.text.includes(u.displayName) && !answer.text.includes(u.email)) {
          throw new CliError(`the agent did not greet ${u.name} by their name (${answer.text.slice(0, 80)})`);
        }
      })();
      done.catch(() => undefined); // awaited below, in turn
      return { out, done };
    });
    for (const chat of chats) {
      chat.out.release();
      await chat.done;
    }
    for (const u of users) {
      const { client } = await openLangGraph(as(u.name));
      const threads = await listThreads(client, { limit: 50 });
      say.done(
        `${u.name} lists ${u.name === "alice" ? "her" : "his"} threads: ${threads.length} (${threads.map((t) => t.title).join(", ")})`,
      );
    }

    // alice turns on MFA while bob's bad tokens are made: neither touches the other's sessions
    const turningOn = aliceTurnsOnMfa(as("alice"), users[0], enrolling);
    turningOn.catch(() => undefined); // awaited below
    background.push(turningOn);

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
    // expired: bob's own token, signed again with the stack's own key as it would look ten
    // minutes past its lifetime (beyond any clock leeway), so nobody waits for one to expire
    if (signer) bad.expired = await expiredToken(await bobToken(), signer);
    bad.revoked = await loggedOut;
    say.done("bad tokens ready");
    say.step("alice turns on MFA: an authenticator app, verified with its first code");
    const turnedOn = await turningOn;
    const mfa = "aal1" in turnedOn ? turnedOn : undefined;
    if (mfa) say.done("alice has MFA: her session is aal2; a password-only (aal1) session of hers must now be refused");
    else say.line(`  (no MFA rows: ${"skipped" in turnedOn ? turnedOn.skipped : ""})`);

    say.step("bob tries alice's thread, runs and store every way the server offers");
    const run = await runProbes({
      langgraphUrl: flags.langgraphUrl ?? "",
      owner: { name: "alice", userId: aliceId, token: aliceToken },
      attacker: { name: "bob", userId: bobId, token: bobToken },
      badTokens: bad,
      // the demo's own stack holds MFA users to aal2 (AUTH_MFA=enrolled); a deployment's policy is unknown
      ...(mfa ? { mfa: { aal1: mfa.aal1, aal2: await aliceToken(), enforced: !given } } : {}),
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
    await Promise.allSettled(background);
    // on a deployment, end the demo users' sessions there; the demo's own stack goes away whole
    if (!stack) {
      await Promise.all(
        profiles.map(async (p) => {
          const c = { ...ctx, profile: p, env, config };
          await loadProfileState(c)
            .then((s) => logoutProfile(c, s.profile, "local"))
            .catch(() => undefined);
        }),
      );
    }
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  }
};
