/**
 * Prompts on a real pseudo-terminal (script(1) gives the CLI a pty): email and masked password
 * for login and signup, the consent question for the plain file when no keychain answers, and
 * the emailed code of `login --otp`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stopAllChildren } from "../helpers/children.js";
import { answer, onTerminal } from "../helpers/pty.js";
import { type AuthWorld, keyringSkip, startAuthWorld } from "./auth-harness.js";

const skip = keyringSkip() || (spawnSync("sh", ["-c", "command -v script"]).status !== 0 ? "script(1) missing" : false);

describe("prompts on a terminal", { skip }, () => {
  let w: AuthWorld;
  const password = "typed on a tty 1";
  before(async () => {
    w = await startAuthWorld({ provider: "keytar" });
  });
  after(async () => {
    await stopAllChildren();
    await w?.stop();
  });

  test("signup asks for email and the password twice, masked; login asks again and logs in", async () => {
    const s = onTerminal(w, ["signup"]);
    await answer(s, /Email/, "tty@example.com");
    await answer(s, /Password/, password);
    await answer(s, /Repeat password/, password);
    await s.waitFor(/Logged in as tty@example\.com/, 20_000);
    assert.equal((await s.exited).code, 0);
    assert.ok(!s.output().includes(password), "the password was never echoed");
    assert.match(s.output(), /\*{4,}/, "typed characters shown as *");

    const l = onTerminal(w, ["login"]);
    await answer(l, /Email/, "tty@example.com");
    await answer(l, /Password/, password);
    await l.waitFor(/Logged in as tty@example\.com .*refresh token in the keychain/, 20_000);
    assert.equal((await l.exited).code, 0);
    assert.ok(!l.output().includes(password));
  });

  test("the prompts ask again: a bad email, a weak password (before the confirmation), two passwords that differ (#19 item 8)", async () => {
    const s = onTerminal(w, ["--profile", "again", "signup"]);
    await answer(s, /Email/, "not-an-email");
    await s.waitFor(/"not-an-email" is not an email address/, 20_000);
    // inquirer keeps the refused text for fixing: Ctrl-U clears the line
    s.proc.stdin?.write("\u0015again@example.com\r");
    await answer(s, /Password/, "abc");
    await s.waitFor(/too weak \(shorter than 6 characters\); try again/, 20_000);
    // each refusal is followed by a new prompt
    await answer(s, /shorter than 6 characters\); try again\.[\s\S]*Password:/, "123456789");
    await s.waitFor(/too weak \(a run of consecutive characters\); try again/, 20_000);
    await answer(s, /consecutive characters\); try again\.[\s\S]*Password:/, password);
    await answer(s, /Repeat password/, `${password} typo`);
    await s.waitFor(/the two passwords differ; try again/, 20_000);
    await answer(s, /differ; try again\.[\s\S]*Password:/, password);
    await answer(s, /differ; try again\.[\s\S]*Repeat password:/, password);
    await s.waitFor(/Logged in as again@example\.com/, 20_000);
    assert.equal((await s.exited).code, 0);
    const seen = s.output();
    assert.ok(
      seen.indexOf("shorter than 6") < seen.indexOf("Repeat password"),
      "weak: refused before the confirmation",
    );
    assert.ok(!seen.includes(password), "the password was never echoed");
  });

  test("logging in as another user on the profile asks first; no keeps the old login (#19 item 8)", async () => {
    const l = onTerminal(w, ["login", "--email", "again@example.com"]);
    await answer(l, /is logged in as tty@example\.com\. Replace that login with/, "n");
    await l.waitFor(/kept profile "default" logged in as tty@example\.com/, 20_000);
    assert.equal((await l.exited).code, 1);
    assert.doesNotMatch(l.output(), /Password/, "asked before the password");
  });

  test("Ctrl-C at a prompt exits 130 with one line, not exit 1 'User force closed the prompt' (#19 item 7)", async () => {
    const l = onTerminal(w, ["--profile", "ctrlc", "login"]);
    await l.waitFor(/Email/, 20_000);
    l.proc.stdin?.write("\u0003");
    assert.equal((await l.exited).code, 130);
    assert.match(l.output(), /lgauth: interrupted/);
    assert.doesNotMatch(l.output(), /force closed/);
  });

  test("with no keychain, the terminal is asked (before the password) whether a plain file may be used; a yes stores it 0600", async () => {
    const runtime = join(w.configDir, "..", `${new URL(w.proxy.url).port}-tty-runtime`);
    await mkdir(runtime, { recursive: true, mode: 0o700 });
    const noBus = { DBUS_SESSION_BUS_ADDRESS: "", XDG_RUNTIME_DIR: runtime, DISPLAY: "" };
    const no = onTerminal(w, ["--profile", "f", "login", "--email", "tty@example.com"], noBus);
    await answer(no, /instead\?/, "n");
    await no.waitFor(/no consent to a plain-text file/, 20_000);
    assert.equal((await no.exited).code, 1);

    const yes = onTerminal(w, ["--profile", "f", "login", "--email", "tty@example.com"], noBus);
    await answer(yes, /instead\?/, "y");
    await answer(yes, /Password/, password);
    await yes.waitFor(/Logged in as tty@example\.com .*plain file/, 20_000);
    assert.equal((await yes.exited).code, 0);
    assert.match(yes.output(), /warning: storing tokens in plain text/);
    assert.equal((await stat(join(w.configDir, "credentials.json"))).mode & 0o777, 0o600);
  });

  test("login --otp asks for the email and then for the code the email carries", async () => {
    const email = "tty-otp@example.com";
    const made = await fetch(`${w.supabase.url}/auth/v1/admin/users`, {
      method: "POST",
      headers: {
        apikey: w.supabase.serviceRoleKey,
        Authorization: `Bearer ${w.supabase.serviceRoleKey}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ email, email_confirm: true }),
    });
    assert.equal(made.status, 200, "the account exists: login --otp never creates one");
    const l = onTerminal(w, ["--profile", "otp", "login", "--otp"]);
    await answer(l, /Email/, email);
    await l.waitFor(/A login code was sent to tty-otp@example\.com/, 20_000);
    const box = await fetch(`${w.supabase.url}/auth/v1/_dev/outbox?email=${encodeURIComponent(email)}`, {
      headers: { apikey: w.supabase.serviceRoleKey, Authorization: `Bearer ${w.supabase.serviceRoleKey}` },
    });
    const code = ((await box.json()) as { messages: { token: string }[] }).messages.at(-1)?.token ?? "";
    assert.match(code, /^\d{6}$/);
    await answer(l, /Code from the email/, code);
    await l.waitFor(/Logged in as tty-otp@example\.com/, 20_000);
    assert.equal((await l.exited).code, 0);
  });
});
