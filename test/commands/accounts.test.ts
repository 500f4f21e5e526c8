/**
 * The account commands in process (src/cli/run.ts with captured streams and scripted prompts)
 * against one real local Supabase Auth server that asks new users to confirm their address (as
 * a hosted project does) and confirms email changes from both addresses (GoTrue's default): the
 * sign-up's display name and metadata, its confirmation by code and resend, `login --otp` for
 * an address without an account, and what each failure leaves stored. No send interval here
 * (emailMaxFrequency 0), so a second code can replace the first at once; GoTrue's interval is
 * tested in password-commands.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LocalSupabase } from "../../src/local-supabase/index.js";
import { client, outbox } from "../e2e/local-supabase-kit.js";
import { authenticator } from "../helpers/authenticator.js";
import { type CommandWorld, startCommandWorld } from "../helpers/command-world.js";

const PASSWORD = "Accounts-Secret-Passphrase-1";

let counter = 0;
const address = (tag: string) => `${tag}-${process.pid}-${++counter}@example.com`;

describe("account commands in process", () => {
  let world: CommandWorld;
  let supabase: LocalSupabase;

  const run: CommandWorld["run"] = (args, o) => world.run(args, o);
  const readEntries = () => world.readEntries();
  const mailedCode = (to: string, seen: number) => world.mailedCode(to, seen);
  const admin: CommandWorld["admin"] = (method, path, body) => world.admin(method, path, body);
  /** A confirmed account with PASSWORD (and `data` as its metadata), logged in on `profile`. */
  const account = (email: string, profile?: string, data: Record<string, unknown> = {}) =>
    world.account(email, PASSWORD, { ...(profile === undefined ? {} : { profile }), data });
  const userByEmail = async (email: string) => {
    const r = await admin("GET", "/users?per_page=1000");
    return (
      r.json.users as {
        email: string;
        user_metadata: Record<string, unknown>;
        email_confirmed_at?: string;
        updated_at?: string;
      }[]
    ).find((u) => u.email === email);
  };
  const accountsOf = (profile: string) => world.accountsOf(profile);
  const whoami = (profile: string) => world.whoami(profile);
  const userCount = async () => {
    const r = await admin("GET", "/users?per_page=1000");
    return (r.json.users as unknown[]).length;
  };

  before(async () => {
    world = await startCommandWorld("accounts", { confirmEmail: true, emailMaxFrequency: 0 });
    ({ supabase } = world);
  });
  after(() => world?.stop());

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

  test("signup --name --data in a script: the metadata is stored, the sign-up waits, and --confirm --code-stdin finishes it and logs in", async () => {
    const email = address("ada");
    const signup = await run(
      [
        "--profile",
        "ada",
        "signup",
        "--email",
        email,
        "--name",
        "Ada Lovelace",
        "--data",
        "team=analytical engines",
        "--password-stdin",
      ],
      { stdin: `${PASSWORD}\n` },
    );
    assert.equal(signup.code, 0, signup.stderr);
    assert.equal(
      signup.stdout,
      `Account created for ${email}; it needs confirming with the code sent there:\n` +
        `  lgauth signup --confirm --email ${email}   (scripts: add --code-stdin)\n` +
        "or open the link in that email and then run `lgauth login`.\n",
    );
    assert.deepEqual(await accountsOf("ada"), [], "nothing stored before the address is confirmed");
    const user = await userByEmail(email);
    assert.equal(user?.user_metadata.display_name, "Ada Lovelace");
    assert.equal(user?.user_metadata.team, "analytical engines");
    assert.equal(user?.email_confirmed_at ?? null, null);

    const confirm = await run(["--profile", "ada", "signup", "--confirm", "--email", email, "--code-stdin"], {
      stdin: `${(await outbox(supabase, email)).at(-1)?.token}\n`,
    });
    assert.equal(confirm.code, 0, confirm.stderr);
    assert.match(confirm.stdout, new RegExp(`^Logged in as ${email.replace(/[.]/g, "\\.")} on profile "ada"`));
    const me = await whoami("ada");
    assert.equal(me.email, email);
    assert.equal(me.display_name, "Ada Lovelace");
    const text = await run(["--profile", "ada", "whoami"]);
    assert.match(text.stdout, new RegExp(`^Ada Lovelace <${email.replace(/[.]/g, "\\.")}> \\(`));
  });

  test("signup on a terminal asks for the code right after the password twice; scripts give it on the line after the password", async () => {
    const email = address("tty");
    const tty = await run(["--profile", "tty", "signup", "--name", "Grace"], {
      tty: true,
      answers: [email, PASSWORD, PASSWORD, () => mailedCode(email, 0)],
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.deepEqual(tty.asked, [
      "Email:",
      "Password:",
      "Repeat password:",
      `Code from the confirmation email sent to ${email}:`,
    ]);
    assert.match(tty.stderr, /Account created for .*; a confirmation code was sent there\.\n/);
    assert.equal((await whoami("tty")).display_name, "Grace");

    const scripted = address("script");
    const piped = await run(
      ["--profile", "script", "signup", "--email", scripted, "--password-stdin", "--code-stdin"],
      {
        stdin: [PASSWORD, () => mailedCode(scripted, 0)],
      },
    );
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await whoami("script")).email, scripted);
  });

  test("confirm: a wrong code, a code replaced by a resend, and a script without --code-stdin store nothing", async () => {
    const email = address("late");
    const made = await run(["--profile", "late", "signup", "--email", email, "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(made.code, 0, made.stderr);
    const first = (await outbox(supabase, email)).at(-1)?.token ?? "";
    const wrong = first === "000000" ? "111111" : "000000";
    const entries = await readEntries();

    const bad = await run(["--profile", "late", "signup", "--confirm", "--email", email, "--code-stdin"], {
      stdin: `${wrong}\n`,
    });
    assert.equal(bad.code, 4);
    assert.equal(
      bad.stderr,
      `lgauth: the code is wrong or has expired (get a new one with \`lgauth signup --resend --email ${email}\`)\n`,
    );

    const resent = await run(["signup", "--resend", "--email", email]);
    assert.equal(resent.code, 0, resent.stderr);
    assert.equal(
      resent.stdout,
      `If ${email} is waiting for confirmation, a new code and link were sent there.\n` +
        `Finish with \`lgauth signup --confirm --email ${email}\` (scripts: add --code-stdin).\n`,
    );
    const second = await mailedCode(email, 1);
    assert.notEqual(second, first);
    const stale = await run(["--profile", "late", "signup", "--confirm", "--email", email, "--code-stdin"], {
      stdin: `${first}\n`,
    });
    assert.equal(stale.code, 4, "the replaced code is refused like an expired one");
    assert.match(stale.stderr, /^lgauth: the code is wrong or has expired/);

    const noWay = await run(["--profile", "late", "signup", "--confirm", "--email", email]);
    assert.equal(noWay.code, 2);
    assert.match(
      noWay.stderr,
      /^lgauth: the emailed code is required when not running in a terminal \(pass --code-stdin\)/,
    );
    assert.deepEqual(await readEntries(), entries, "no failure stored anything");
    assert.equal((await whoami("late")).code, 4);

    const tries = await run(["--profile", "late", "signup", "--confirm", "--email", email], {
      tty: true,
      answers: [wrong === "000000" && second === "000000" ? "222222" : wrong, second],
    });
    assert.equal(tries.code, 0, tries.stderr);
    assert.match(tries.stderr, /that code was not accepted .*; try again\./);
    assert.equal((await whoami("late")).email, email);
  });

  test("signup --resend for an address that needs nothing says the same and sends nothing; --resend takes no password", async () => {
    const nobody = address("resend-nobody");
    const r = await run(["--json", "signup", "--resend", "--email", nobody]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { status: "sent", email: nobody });
    assert.deepEqual(await outbox(supabase, nobody), []);
    const mixed = await run(["signup", "--resend", "--email", nobody, "--password-stdin"]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /'--resend' cannot be used with option '--password-stdin'/);
  });

  test("account: the user's facts for people, and --json the user object as Supabase returns it plus aal", async () => {
    const email = address("show");
    const id = await account(email, "show", { display_name: "Mary Somerville", team: "orbits", rank: 3 });
    const text = await run(["--profile", "show", "account"]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stderr, "");
    const lines = text.stdout.trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => l.split(":")[0]),
      ["id", "email", "name", "metadata", "sign-in", "created", "last sign-in", "MFA", "this session"],
    );
    assert.match(text.stdout, new RegExp(`^id: +${id}$`, "m"));
    assert.match(text.stdout, /^email: +show-.* \(confirmed\)$/m);
    assert.match(text.stdout, /^name: +Mary Somerville$/m);
    assert.match(text.stdout, /^metadata: +rank=3, team=orbits$/m);
    assert.match(text.stdout, /^sign-in: +email$/m);
    assert.match(text.stdout, /^MFA: +no factors \(add one with `lgauth mfa enroll`\)$/m);
    assert.match(text.stdout, /^this session: aal1 \(no second factor\)$/m);

    const json = await run(["--profile", "show", "--json", "account"]);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as Record<string, unknown> & { user_metadata: Record<string, unknown> };
    assert.equal(doc.id, id);
    assert.equal(doc.email, email);
    assert.equal(doc.aal, "aal1");
    assert.equal(doc.user_metadata.display_name, "Mary Somerville");
    assert.ok(Array.isArray(doc.identities));
    for (const key of ["app_metadata", "created_at", "last_sign_in_at", "email_confirmed_at", "role", "aud"]) {
      assert.ok(key in doc, `--json has ${key}`);
    }

    const nobody = await run(["--profile", "nobody-here", "account"]);
    assert.equal(nobody.code, 4);
    assert.match(nobody.stderr, /^lgauth: not logged in \(profile "nobody-here"\)/);
  });

  test("account update --name --data --unset: the metadata changes, the session's token says so, whoami shows the name", async () => {
    const email = address("meta");
    await account(email, "meta", { team: "orbits", nickname: "M" });
    const r = await run([
      "--profile",
      "meta",
      "account",
      "update",
      "--name",
      "Ada \u001b[31mKing\u001b[0m",
      "--data",
      "team=engines",
      "--unset",
      "nickname",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Account updated: display name set to "Ada [31mKing [0m"; set team; removed nickname.\n');
    const user = await userByEmail(email);
    assert.equal(user?.user_metadata.team, "engines");
    assert.equal("nickname" in (user?.user_metadata ?? {}), false);
    const me = await whoami("meta");
    assert.equal(me.display_name, "Ada [31mKing [0m", "the refreshed token names the user, control characters blanked");
    const token = (await run(["--profile", "meta", "token"])).stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
      user_metadata: Record<string, unknown>;
    };
    assert.equal(claims.user_metadata.team, "engines", "the stored access token carries the new metadata");

    // a key the account never had is not removed: it was not set, and alone it changes nothing
    const before = (await userByEmail(email))?.updated_at;
    assert.ok(before);
    const nosuch = await run(["--profile", "meta", "account", "update", "--unset", "nosuch"]);
    assert.equal(nosuch.code, 0, nosuch.stderr);
    assert.equal(nosuch.stdout, "Nothing changed: nosuch was not set.\n");
    assert.equal((await userByEmail(email))?.updated_at, before, "nothing was sent");
    const mixed = await run(["--profile", "meta", "account", "update", "--unset", "team", "--unset", "nosuch"]);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.equal(mixed.stdout, "Account updated: removed team; nosuch was not set.\n");
    assert.equal("team" in ((await userByEmail(email))?.user_metadata ?? {}), false);

    const cases: [string[], RegExp][] = [
      [["account", "update"], /^lgauth: nothing to change \(pass --name, --data, --unset or --email\)\n$/],
      [["account", "update", "--data", "a=1", "--unset", "a"], /^lgauth: "a" is both set and unset/],
      [["account", "update", "--data", "no-equals"], /^lgauth: --data "no-equals" is not key=value/],
      [["account", "update", "--unset", "bad key"], /^lgauth: --unset key "bad key" is not a metadata key/],
      [["account", "update", "--email", "not-an-address"], /is not an email address/],
    ];
    for (const [args, stderr] of cases) {
      const bad = await run(["--profile", "meta", ...args]);
      assert.equal(bad.code, 2, args.join(" "));
      assert.match(bad.stderr, stderr);
    }
  });

  test("account update --email, secure change: the new address's code, then the current one's; a wrong code or a taken address changes nothing", async () => {
    const old = address("move");
    await account(old, "move");
    const taken = address("taken");
    await account(taken);
    const entries = await readEntries();

    const clash = await run(["--profile", "move", "account", "update", "--email", taken, "--code-stdin"]);
    assert.equal(clash.code, 1);
    assert.equal(clash.stderr, `lgauth: another account already uses ${taken} (choose another address)\n`);

    const pending = address("pending");
    const wrong = await run(["--profile", "move", "account", "update", "--email", pending, "--code-stdin"], {
      stdin: ["0000000"],
    });
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, new RegExp(`^A code was sent to ${pending} \\(and one to ${old}, if this project`));
    assert.match(
      wrong.stderr,
      new RegExp(
        `\nlgauth: the code is wrong or has expired; the address is not changed \\(run \`lgauth account update --email ${pending}\` again for a new code\\)\n$`,
      ),
    );
    const shown = await run(["--profile", "move", "account"]);
    assert.match(shown.stdout, new RegExp(`^email: +${old} \\(confirmed\\)$`, "m"));
    assert.match(shown.stdout, new RegExp(`^pending: +${pending} \\(waiting for the emailed code since `, "m"));
    assert.equal((await whoami("move")).email, old);
    assert.deepEqual(await readEntries(), entries, "nothing stored by the failures");

    const fresh = address("moved");
    const seenOld = (await outbox(supabase, old)).length;
    const tty = await run(["--profile", "move", "account", "update", "--email", fresh], {
      tty: true,
      answers: [() => mailedCode(fresh, 0), () => mailedCode(old, seenOld)],
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.deepEqual(tty.asked, [`Code from the email sent to ${fresh}:`, `Code from the email sent to ${old}:`]);
    assert.equal(tty.stdout, `Account updated: email changed to ${fresh}.\n`);
    assert.equal((await whoami("move")).email, fresh);
    assert.equal((await userByEmail(fresh))?.email, fresh);
    const after = await run(["--profile", "move", "--json", "account"]);
    assert.equal((JSON.parse(after.stdout) as { new_email?: string }).new_email ?? "", "");

    const script = address("scripted");
    const piped = await run(["--profile", "move", "account", "update", "--email", script, "--code-stdin"], {
      stdin: [() => mailedCode(script, 0), () => mailedCode(fresh, 0)],
    });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await whoami("move")).email, script);
  });

  /** Whether `password` logs `email` in (on a throwaway profile). */
  const passwordWorks = async (email: string, password: string) => {
    const r = await run(["--profile", "probe", "login", "--email", email, "--password-stdin"], {
      stdin: `${password}\n`,
    });
    await run(["--profile", "probe", "logout"]);
    return r.code === 0;
  };
  const NEW_PASSWORD = "Brand-New-Passphrase-2";

  test("password reset on a terminal: sends, asks for the code and the new password twice, logs in", async () => {
    const email = address("forgot");
    await account(email, "forgot");
    const r = await run(["--profile", "forgot", "password", "reset"], {
      tty: true,
      answers: [() => mailedCode(email, 0), NEW_PASSWORD, NEW_PASSWORD],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.asked, [
      `Code from the password reset email sent to ${email}:`,
      "New password:",
      "Repeat new password:",
    ]);
    assert.match(
      r.stderr,
      new RegExp(`^If ${email.replace(/[.]/g, "\\.")} has an account, a password reset code was sent there\\.\n`),
    );
    assert.match(r.stderr, /\nPassword changed for forgot-.*\.\n$/);
    assert.match(r.stdout, /^Logged in as forgot-.* on profile "forgot"/);
    assert.equal(await passwordWorks(email, NEW_PASSWORD), true);
    assert.equal(await passwordWorks(email, PASSWORD), false);
  });

  test("password reset in scripts: without --code-stdin it only sends; then code and password from stdin; bad inputs store and change nothing", async () => {
    const email = address("scripted-reset");
    await account(email);
    const sent = await run(["--profile", "sr", "password", "reset", "--email", email]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(
      sent.stdout,
      `If ${email} has an account, a password reset code was sent there. Finish with:\n` +
        `  printf '%s\\n%s\\n' "$CODE" "$NEW_PASSWORD" | lgauth password reset --email ${email} --code-stdin --password-stdin\n`,
    );
    const code = await mailedCode(email, 0);
    const wrong = code === "000000" ? "111111" : "000000";
    const finish = ["--profile", "sr", "password", "reset", "--email", email, "--code-stdin", "--password-stdin"];
    const entries = await readEntries();

    const bad = await run(finish, { stdin: `${wrong}\n${NEW_PASSWORD}\n` });
    assert.equal(bad.code, 4);
    assert.equal(
      bad.stderr,
      `lgauth: the code is wrong or has expired; the password is not changed (get a new one with \`lgauth password reset --email ${email}\`)\n`,
    );
    const weak = await run(finish, { stdin: `${code}\nabc\n` });
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /^lgauth: password is too weak: too short/);
    assert.equal(weak.stderr.split("\n").length, 2, "one line");
    const noPassword = await run(["--profile", "sr", "password", "reset", "--email", email, "--code-stdin"], {
      stdin: `${code}\n`,
    });
    assert.equal(noPassword.code, 2);
    assert.match(
      noPassword.stderr,
      /the new password is required when not running in a terminal \(pass --password-stdin\)/,
    );
    assert.deepEqual(await readEntries(), entries, "no failure stored anything");
    assert.equal(await passwordWorks(email, PASSWORD), true, "the password is unchanged");

    await run(["password", "reset", "--email", email]);
    const ok = await run(finish, { stdin: [() => mailedCode(email, 1), NEW_PASSWORD] });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Logged in as scripted-reset-.* on profile "sr"/);
    assert.equal((await whoami("sr")).email, email);
    assert.equal(await passwordWorks(email, NEW_PASSWORD), true);
  });

  test("password reset on a terminal: mismatched confirmations five times end it, nothing stored or changed", async () => {
    const email = address("mismatch");
    await account(email);
    const r = await run(["--profile", "mm", "password", "reset", "--email", email], {
      tty: true,
      answers: [() => mailedCode(email, 0), ...[3, 4, 5, 6, 7].flatMap((n) => [NEW_PASSWORD, `Other-Passphrase-${n}`])],
    });
    assert.equal(r.code, 2);
    assert.equal(r.asked.filter((q) => q === "Repeat new password:").length, 5);
    assert.match(r.stderr, /lgauth: the two passwords differ; try again\.\n/);
    assert.match(r.stderr, /lgauth: the two passwords differ \(5 tries\) \(see `lgauth password reset --help`\)\n$/);
    assert.equal((await whoami("mm")).code, 4);
    assert.equal(await passwordWorks(email, PASSWORD), true);
  });

  test("password change on a terminal: mismatched confirmations five times end it (exit 2), nothing stored or changed", async () => {
    const email = address("change-mismatch");
    await account(email, "cm");
    const stored = await readEntries();
    const r = await run(["--profile", "cm", "password", "change"], {
      tty: true,
      answers: [3, 4, 5, 6, 7].flatMap((n) => [NEW_PASSWORD, `Other-Passphrase-${n}`]),
    });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.deepEqual(r.asked, Array(5).fill(["New password:", "Repeat new password:"]).flat());
    assert.equal(r.stderr.match(/lgauth: the two passwords differ; try again\.\n/g)?.length, 4, r.stderr);
    assert.match(r.stderr, /lgauth: the two passwords differ \(5 tries\) \(see `lgauth password change --help`\)\n$/);
    assert.deepEqual(await readEntries(), stored, "the stored session is untouched");
    assert.equal(await passwordWorks(email, PASSWORD), true);
    assert.equal(await passwordWorks(email, NEW_PASSWORD), false);
  });

  test("password change: twice on a terminal (again when they differ), one line in scripts; the other sessions end; same or weak password is one line", async () => {
    const email = address("change");
    await account(email, "change");
    await run(["--profile", "change-elsewhere", "login", "--email", email, "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    });
    // a confirmation that differs: both asked again, nothing sent before they match
    const tty = await run(["--profile", "change", "password", "change"], {
      tty: true,
      answers: [NEW_PASSWORD, "Another-Passphrase-3", NEW_PASSWORD, NEW_PASSWORD],
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.deepEqual(tty.asked, ["New password:", "Repeat new password:", "New password:", "Repeat new password:"]);
    assert.equal(tty.stderr, "lgauth: the two passwords differ; try again.\n");
    assert.equal(
      tty.stdout,
      `Password changed for ${email}; its other sessions were signed out, this one (profile "change") stays.\n`,
    );
    assert.equal((await run(["--profile", "change", "account"])).code, 0, "this session still works");
    const elsewhere = await run(["--profile", "change-elsewhere", "account"]);
    assert.equal(elsewhere.code, 4);
    assert.match(elsewhere.stderr, /^lgauth: session ended: .* \(run `lgauth login --profile change-elsewhere`\)\n$/);
    assert.equal(await passwordWorks(email, NEW_PASSWORD), true);

    const same = await run(["--profile", "change", "password", "change", "--password-stdin"], {
      stdin: `${NEW_PASSWORD}\n`,
    });
    assert.equal(same.code, 1);
    assert.equal(same.stderr, "lgauth: the new password is the one the account already has (choose a different one)\n");
    const weak = await run(["--profile", "change", "password", "change", "--password-stdin"], { stdin: "abc\n" });
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /^lgauth: password is too weak: too short/);
    const script = await run(["--profile", "change", "password", "change"]);
    assert.equal(script.code, 2);
    assert.match(
      script.stderr,
      /the new password is required when not running in a terminal \(pass --password-stdin\)/,
    );
    assert.equal(await passwordWorks(email, NEW_PASSWORD), true, "the failures changed nothing");
  });

  test("password reset of an account with a second factor: the authenticator code comes before the new password is set; without it nothing changes", async () => {
    const email = address("mfa-reset");
    await account(email);
    const sb = client(supabase);
    assert.equal((await sb.auth.signInWithPassword({ email, password: PASSWORD })).error, null);
    const enrolled = await sb.auth.mfa.enroll({ factorType: "totp" });
    assert.equal(enrolled.error, null);
    const app = authenticator(enrolled.data?.totp.secret ?? "");
    const factorId = enrolled.data?.id ?? "";
    assert.equal((await sb.auth.mfa.challengeAndVerify({ factorId, code: await app.code() })).error, null);

    const finish = ["--profile", "mr", "password", "reset", "--email", email, "--code-stdin", "--password-stdin"];
    await run(["password", "reset", "--email", email]);
    const noFactor = await run(finish, { stdin: [() => mailedCode(email, 0), NEW_PASSWORD] });
    assert.equal(noFactor.code, 2, noFactor.stderr);
    assert.match(noFactor.stderr, /no authenticator code on stdin/);
    assert.equal((await whoami("mr")).code, 4);
    const stillOld = await client(supabase).auth.signInWithPassword({ email, password: PASSWORD });
    assert.equal(stillOld.error, null, "the password is not changed without the second factor");

    await run(["password", "reset", "--email", email]);
    const ok = await run(finish, { stdin: [() => mailedCode(email, 1), NEW_PASSWORD, () => app.code()] });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Logged in as mfa-reset-.* with your second factor on profile "mr"/);
    assert.equal((await whoami("mr")).aal, "aal2");
  });
});
