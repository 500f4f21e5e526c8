/**
 * The account commands in process (src/cli/run.ts with captured streams and scripted prompts)
 * against one real local Supabase Auth server that asks new users to confirm their address (as
 * a hosted project does): sign-up confirmation and resend, `login --otp` for an address without
 * an account, GoTrue's send interval as the user sees it, and what each failure leaves stored.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { outbox, raw } from "../e2e/local-supabase-kit.js";
import { closedPort } from "../helpers/closed-port.js";
import { type InProcessOptions, lgauthInProcess } from "../helpers/lgauth-in-process.js";

let counter = 0;
const address = (tag: string) => `${tag}-${process.pid}-${++counter}@example.com`;

describe("account commands in process", () => {
  let supabase: LocalSupabase;
  let dir: string;
  let config: string;
  let env: NodeJS.ProcessEnv;

  const run = (args: string[], o: Partial<InProcessOptions> = {}) =>
    lgauthInProcess(args, { ...o, env: { ...env, ...o.env } });
  const readEntries = async (): Promise<Record<string, string>> => {
    try {
      return (
        JSON.parse(await readFile(join(config, "credentials.json"), "utf8")) as { entries: Record<string, string> }
      ).entries;
    } catch {
      return {};
    }
  };
  /** The newest code mailed to `to` after `seen` messages (waits for it). */
  const mailedCode = async (to: string, seen: number): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const mail = await outbox(supabase, to);
      if (mail.length > seen) return mail[mail.length - 1]?.token ?? "";
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no code arrived for ${to}`);
  };
  const admin = (method: string, path: string, body?: unknown) =>
    raw(supabase, method, `/admin${path}`, {
      apikey: supabase.serviceRoleKey,
      bearer: supabase.serviceRoleKey,
      headers: { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** A confirmed account made with the admin API. */
  const account = async (email: string, password?: string, data: Record<string, unknown> = {}) => {
    const r = await admin("POST", "/users", { email, password, email_confirm: true, user_metadata: data });
    assert.equal(r.status, 200, r.text);
    return r.json.id as string;
  };
  const userCount = async () => {
    const r = await admin("GET", "/users?per_page=1000");
    return (r.json.users as unknown[]).length;
  };

  before(async () => {
    process.env.DBUS_SESSION_BUS_ADDRESS = "unix:path=/nonexistent/lgauth-test-bus";
    supabase = await startLocalSupabase({ port: 0, confirmEmail: true });
    dir = await mkdtemp(join(tmpdir(), "lgauth-cmd-accounts-"));
    config = join(dir, "config");
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_RUNTIME_DIR: join(dir, "run"),
      DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/lgauth-test-bus",
      LGAUTH_CONFIG_DIR: config,
      SUPABASE_URL: supabase.url,
      SUPABASE_ANON_KEY: supabase.anonKey,
      LANGGRAPH_URL: `http://127.0.0.1:${await closedPort()}`,
      LGAUTH_CREDENTIAL_STORE: "file",
      NO_COLOR: "1",
    };
  });
  after(async () => {
    await supabase?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("login --otp for an address with no account creates none: one line, no mail, nothing stored", async () => {
    const nobody = address("nobody");
    const users = await userCount();
    const r = await run(["--profile", "typo", "login", "--otp", "--email", nobody, "--code-stdin"], {
      stdin: "123456\n",
    });
    assert.equal(r.code, 4);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `lgauth: there is no account for ${nobody} at ${supabase.url} (create it with \`lgauth signup --email ${nobody}\`)\n`,
    );
    assert.equal(await userCount(), users, "no account was made");
    assert.deepEqual(await outbox(supabase, nobody), [], "no mail was sent");
    assert.deepEqual(
      Object.keys(await readEntries()).filter((a) => a.startsWith("typo@")),
      [],
    );
  });

  test("a second code within GoTrue's send interval: the server's words and the real wait", async () => {
    const email = address("often");
    await account(email);
    const first = await run(["--profile", "often", "login", "--otp", "--email", email], {
      tty: true,
      answers: [() => mailedCode(email, 0)],
    });
    assert.equal(first.code, 0, first.stderr);
    const again = await run(["--profile", "often", "login", "--otp", "--email", email], { tty: true });
    assert.equal(again.code, 1);
    assert.deepEqual(again.asked, [], "refused before the code is asked for");
    assert.match(
      again.stderr,
      /^lgauth: rate limited by Supabase Auth: "For security purposes, you can only request this after (5\d) seconds\." \(try again in \1 s\)\n$/,
    );
  });
});
