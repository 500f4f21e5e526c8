/**
 * Password change and reset, and GoTrue's send interval, in process against one real local
 * Supabase Auth server configured the strict way: a password change always needs the emailed
 * reauthentication nonce (secure_password_change, with the session-age rule at 0 s so a fresh
 * session needs it too), an email change is confirmed from the new address alone, and one
 * address gets at most one email per 60 s (GoTrue's default SMTP_MAX_FREQUENCY).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LocalSupabase } from "../../src/local-supabase/index.js";
import { client, outbox } from "../e2e/local-supabase-kit.js";
import { type CommandWorld, startCommandWorld } from "../helpers/command-world.js";

const PASSWORD = "Passwords-Secret-Passphrase-1";
const NEW_PASSWORD = "Passwords-New-Passphrase-2";
let counter = 0;
const address = (tag: string) => `${tag}-${process.pid}-${++counter}@example.com`;

describe("password commands and send limits in process", () => {
  let world: CommandWorld;
  let supabase: LocalSupabase;

  const run: CommandWorld["run"] = (args, o) => world.run(args, o);
  const mailedCode = (to: string, seen: number) => world.mailedCode(to, seen);
  /** An account with PASSWORD (confirmed unless said otherwise), logged in on `opts.profile`. */
  const account = (email: string, opts: { confirmed?: boolean; profile?: string } = {}) =>
    world.account(email, PASSWORD, opts);
  const passwordWorks = async (email: string, password: string) => {
    const r = await run(["--profile", "probe", "login", "--email", email, "--password-stdin"], {
      stdin: `${password}\n`,
    });
    await run(["--profile", "probe", "logout"]);
    return r.code === 0;
  };
  const whoami = (profile: string) => world.whoami(profile);

  before(async () => {
    world = await startCommandWorld("passwords", {
      passwordUpdateRequiresReauthentication: true,
      reauthenticationSessionAge: 0,
      secureEmailChange: false,
      passwordMinLength: 12,
    });
    ({ supabase } = world);
  });
  after(() => world?.stop());

  const RATE_LIMITED =
    /^lgauth: rate limited by Supabase Auth: "For security purposes, you can only request this after (\d+) seconds\." \(try again in \1 s\)\n$/;

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
    const wait = Number(RATE_LIMITED.exec(again.stderr)?.[1]);
    assert.ok(wait > 0 && wait < 60, again.stderr);
  });

  test("signup --resend within the interval: refused with the real wait, the first code still good", async () => {
    const email = address("resend");
    await account(email, { confirmed: false });
    const sent = await run(["signup", "--resend", "--email", email]);
    assert.equal(sent.code, 0, sent.stderr);
    const code = await mailedCode(email, 0);
    const again = await run(["signup", "--resend", "--email", email]);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, "");
    assert.match(again.stderr, RATE_LIMITED);
    assert.equal((await outbox(supabase, email)).length, 1, "no second mail");
    const confirmed = await run(["--profile", "resend", "signup", "--confirm", "--email", email, "--code-stdin"], {
      stdin: `${code}\n`,
    });
    assert.equal(confirmed.code, 0, confirmed.stderr);
  });

  // "still good": verified at Supabase Auth directly, since a rerun of lgauth would ask for a new mail
  const codeWorks = async (email: string, token: string, type: "recovery" | "email_change") =>
    (await client(supabase).auth.verifyOtp({ email, token, type })).error === null;

  test("password reset within the interval: refused with the real wait, no second mail, the first code still good", async () => {
    const email = address("reset-often");
    await account(email);
    const sent = await run(["password", "reset", "--email", email]);
    assert.equal(sent.code, 0, sent.stderr);
    const code = await mailedCode(email, 0);
    const again = await run(["password", "reset", "--email", email]);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, "");
    assert.match(again.stderr, RATE_LIMITED);
    assert.equal((await outbox(supabase, email)).length, 1, "no second mail");
    assert.equal(await codeWorks(email, code, "recovery"), true);
  });

  test("account update --email again within the interval (after a mistyped code): refused with the real wait, no second mail, nothing changed, the first code still good", async () => {
    const old = address("change-often");
    await account(old, { profile: "often-change" });
    const fresh = address("change-often-new");
    const change = ["--profile", "often-change", "account", "update", "--email", fresh, "--code-stdin"];
    let code = "";
    const typo = await run(change, {
      stdin: [
        async () => {
          code = await mailedCode(fresh, 0);
          return code === "000000" ? "111111" : "000000";
        },
      ],
    });
    assert.equal(typo.code, 4, typo.stderr);
    const again = await run(change, { stdin: [code] });
    assert.equal(again.code, 1);
    assert.equal(again.stdout, "");
    assert.match(again.stderr, RATE_LIMITED);
    assert.equal((await outbox(supabase, fresh)).length, 1, "no second mail");
    assert.equal((await whoami("often-change")).email, old);
    assert.equal(await codeWorks(fresh, code, "email_change"), true);
  });

  test("password change where the project wants reauthentication: on a terminal a password the project refuses is asked again, then the code is sent and asked for", async () => {
    const email = address("reauth-tty");
    await account(email, { profile: "rt" });
    // "Short-pw-9x" passes lgauth's own check; this project wants 12 characters: asked again
    const r = await run(["--profile", "rt", "password", "change"], {
      tty: true,
      answers: ["Short-pw-9x", "Short-pw-9x", NEW_PASSWORD, NEW_PASSWORD, () => mailedCode(email, 0)],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.asked, [
      "New password:",
      "Repeat new password:",
      "New password:",
      "Repeat new password:",
      "Code from the reauthentication email:",
    ]);
    assert.match(r.stderr, /^lgauth: password is too weak: too short .*; choose another\.\n/);
    assert.match(
      r.stderr,
      new RegExp(
        `\nThis project wants a code before a password change: one was sent to ${email.replace(/[.]/g, "\\.")}\\.\n$`,
      ),
    );
    assert.equal(await passwordWorks(email, NEW_PASSWORD), true);
  });

  test("password change in scripts: the first run sends the code and exits 4, the second gives it on the line before the password; a wrong code changes nothing", async () => {
    const email = address("reauth-script");
    await account(email, { profile: "rs" });
    const first = await run(["--profile", "rs", "password", "change", "--password-stdin"], {
      stdin: `${NEW_PASSWORD}\n`,
    });
    assert.equal(first.code, 4);
    assert.equal(first.stdout, "");
    assert.equal(
      first.stderr,
      `This project wants a code before a password change: one was sent to ${email}.\n` +
        `lgauth: the password is not changed: this project wants the code it just emailed to ${email} ` +
        "(run it again with --code-stdin: the code on the first line of stdin, the new password (--password-stdin) on the next)\n",
    );
    const nonce = await mailedCode(email, 0);
    const wrong = nonce === "000000" ? "111111" : "000000";
    const again = ["--profile", "rs", "password", "change", "--code-stdin", "--password-stdin"];
    const bad = await run(again, { stdin: `${wrong}\n${NEW_PASSWORD}\n` });
    assert.equal(bad.code, 4);
    assert.equal(
      bad.stderr,
      "lgauth: the reauthentication code is wrong or has expired (run `lgauth password change` again for a new code)\n",
    );
    assert.equal(await passwordWorks(email, PASSWORD), true, "unchanged after the wrong code");
    const ok = await run(again, { stdin: `${nonce}\n${NEW_PASSWORD}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await passwordWorks(email, NEW_PASSWORD), true);
  });

  test("account update --email where only the new address confirms: one code; a script without --code-stdin sends nothing", async () => {
    const old = address("single");
    await account(old, { profile: "single" });
    const fresh = address("single-new");
    const r = await run(["--profile", "single", "account", "update", "--email", fresh], {
      tty: true,
      answers: [() => mailedCode(fresh, 0)],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.asked, [`Code from the email sent to ${fresh}:`]);
    assert.equal((await outbox(supabase, old)).length, 0, "nothing to the old address");
    assert.equal((await whoami("single")).email, fresh);

    // a script that could not give the code is refused before anything is asked of the server
    const later = address("single-later");
    const script = await run(["--profile", "single", "account", "update", "--email", later]);
    assert.equal(script.code, 2);
    assert.match(
      script.stderr,
      /^lgauth: the emailed code is required when not running in a terminal \(pass --code-stdin\)/,
    );
    assert.deepEqual(await outbox(supabase, later), [], "no code was sent");
    const shown = JSON.parse((await run(["--profile", "single", "--json", "account"])).stdout) as {
      new_email?: string;
    };
    assert.equal(shown.new_email ?? "", "", "no change pending");
  });
});
