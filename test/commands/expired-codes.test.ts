/**
 * Emailed codes that ran out of time (#17 "expired code"), in process against one real local
 * Supabase Auth server whose codes live 1 s (GoTrue's MAILER_OTP_EXP, `otpTtl`): the sign-up
 * confirmation, the password reset code, the email change code and the reauthentication nonce
 * of a password change. Each code is used only after its second has passed (waited for from
 * the moment the mail was seen, which is after the server stamped it), so the server refuses it
 * as expired, never because the machine was slow. Each answer is one line, and nothing is stored
 * or changed. The tests run at once, each with its own config folder, so the file waits about
 * one second in all. `login --otp` with an expired code is here too.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { client, outbox } from "../e2e/local-supabase-kit.js";
import { type CommandWorld, startCommandWorld } from "../helpers/command-world.js";
import type { InProcessOptions } from "../helpers/lgauth-in-process.js";

const PASSWORD = "Expired-Codes-Passphrase-1";
const NEW_PASSWORD = "Expired-Codes-Passphrase-2";
const OTP_TTL_S = 1;
const address = (tag: string) => `${tag}-${process.pid}@example.com`;

describe("emailed codes that expired", { concurrency: true }, () => {
  let world: CommandWorld;

  /** lgauth in process with the config folder of one test. */
  const cli = (tag: string) => {
    const config = join(world.dir, tag);
    const run = (args: string[], o: Omit<InProcessOptions, "env"> = {}) =>
      world.run(args, { ...o, env: { LGAUTH_CONFIG_DIR: config } });
    const stored = async () => readFile(join(config, "credentials.json"), "utf8").catch(() => "");
    return { run, stored };
  };
  /** The newest code mailed to `to` after `seen` messages, handed over once it has expired. */
  const expiredCode = async (to: string, seen: number): Promise<string> => {
    for (let i = 0; i < 400; i++) {
      const mail = await outbox(world.supabase, to);
      if (mail.length > seen) {
        await sleep(OTP_TTL_S * 1000 + 100); // the server stamped it before it was in the outbox
        return mail[mail.length - 1]?.token ?? "";
      }
      await sleep(25);
    }
    throw new Error(`no code arrived for ${to}`);
  };
  /** A confirmed account with PASSWORD (bcrypt cost 4), logged in on `run`'s profile when given. */
  const account = async (email: string, run?: ReturnType<typeof cli>["run"]) => {
    await world.account(email, PASSWORD);
    if (run) {
      const login = await run(["login", "--email", email, "--password-stdin"], { stdin: `${PASSWORD}\n` });
      assert.equal(login.code, 0, login.stderr);
    }
  };
  const userByEmail = async (email: string) => {
    const r = await world.admin("GET", "/users?per_page=1000");
    return (r.json.users as { email: string; email_confirmed_at?: string | null; new_email?: string }[]).find(
      (u) => u.email === email,
    );
  };
  const passwordWorks = async (email: string, password: string) =>
    (await client(world.supabase).auth.signInWithPassword({ email, password })).error === null;

  before(async () => {
    world = await startCommandWorld("expired", {
      otpTtl: OTP_TTL_S,
      confirmEmail: true,
      emailMaxFrequency: 0,
      // every password change needs the emailed nonce (GoTrue secure_password_change)
      passwordUpdateRequiresReauthentication: true,
      reauthenticationSessionAge: 0,
    });
  });
  after(async () => {
    await world?.stop();
  });

  test("signup --confirm with an expired code: one line, nothing stored, the address still unconfirmed", async () => {
    const { run, stored } = cli("signup");
    const email = address("late-signup");
    const made = await run(["signup", "--email", email, "--password-stdin"], { stdin: `${PASSWORD}\n` });
    assert.equal(made.code, 0, made.stderr);
    const r = await run(["signup", "--confirm", "--email", email, "--code-stdin"], {
      stdin: [() => expiredCode(email, 0)],
    });
    assert.equal(r.code, 4);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `lgauth: the code is wrong or has expired (get a new one with \`lgauth signup --resend --email ${email}\`)\n`,
    );
    assert.equal(await stored(), "", "nothing stored");
    assert.equal((await userByEmail(email))?.email_confirmed_at ?? null, null);
  });

  test("login --otp with an expired code: one line, nothing stored", async () => {
    const { run, stored } = cli("otp");
    const email = address("late-otp");
    await account(email);
    const r = await run(["login", "--otp", "--email", email, "--code-stdin"], {
      stdin: [() => expiredCode(email, 0)],
    });
    assert.equal(r.code, 4);
    assert.equal(
      r.stderr,
      `A login code was sent to ${email}.\nlgauth: the code is wrong or has expired (request a new one with \`lgauth login --otp\`)\n`,
    );
    assert.equal(await stored(), "", "nothing stored");
    assert.equal((await run(["whoami"])).code, 4, "not logged in");
  });

  test("password reset with an expired code: one line, the password unchanged, nothing stored", async () => {
    const { run, stored } = cli("reset");
    const email = address("late-reset");
    await account(email);
    const sent = await run(["password", "reset", "--email", email]);
    assert.equal(sent.code, 0, sent.stderr);
    const r = await run(["password", "reset", "--email", email, "--code-stdin", "--password-stdin"], {
      stdin: [() => expiredCode(email, 0), NEW_PASSWORD],
    });
    assert.equal(r.code, 4);
    assert.equal(
      r.stderr,
      `lgauth: the code is wrong or has expired; the password is not changed (get a new one with \`lgauth password reset --email ${email}\`)\n`,
    );
    assert.equal(await stored(), "", "nothing stored");
    assert.equal(await passwordWorks(email, PASSWORD), true, "the old password still works");
    assert.equal(await passwordWorks(email, NEW_PASSWORD), false);
  });

  test("account update --email with an expired code: one line, the address unchanged, the session kept", async () => {
    const { run, stored } = cli("email");
    const email = address("late-email");
    await account(email, run);
    const target = address("late-email-new");
    const before = await stored();
    const r = await run(["account", "update", "--email", target, "--code-stdin"], {
      stdin: [() => expiredCode(target, 0)],
    });
    assert.equal(r.code, 4);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^A code was sent to /);
    assert.equal(
      r.stderr.split("\n").at(-2),
      `lgauth: the code is wrong or has expired; the address is not changed (run \`lgauth account update --email ${target}\` again for a new code)`,
    );
    assert.equal(await stored(), before, "the stored session is as it was");
    const me = JSON.parse((await run(["--json", "whoami"])).stdout) as { email: string };
    assert.equal(me.email, email);
    assert.equal((await userByEmail(email))?.email, email, "the account keeps its address");
  });

  test("password change with an expired reauthentication code: one line, the password unchanged", async () => {
    const { run } = cli("change");
    const email = address("late-change");
    await account(email, run);
    const first = await run(["password", "change", "--password-stdin"], { stdin: `${NEW_PASSWORD}\n` });
    assert.equal(first.code, 4, first.stderr);
    assert.match(first.stderr, /wants the code it just emailed/);
    const r = await run(["password", "change", "--code-stdin", "--password-stdin"], {
      stdin: [() => expiredCode(email, 0), NEW_PASSWORD],
    });
    assert.equal(r.code, 4);
    assert.equal(
      r.stderr,
      "lgauth: the reauthentication code is wrong or has expired (run `lgauth password change` again for a new code)\n",
    );
    assert.equal(await passwordWorks(email, PASSWORD), true, "the old password still works");
    assert.equal((await run(["account"])).code, 0, "the session is kept");
  });
});
