/**
 * The account prompts on a real pseudo-terminal (script(1) gives the built CLI a pty), where
 * @inquirer/prompts draws them: a sign-up that waits for confirmation asks for the emailed code
 * after the masked password twice, password reset asks for the code and then the new password
 * twice, password change asks for the new password twice, account update --email for the code
 * sent to each address, and `lgauth switch` without a name offers a pick list answered with the
 * arrow keys.
 * Everything else about these commands is tested in process (test/commands/accounts.test.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LocalSupabase } from "../../src/local-supabase/index.js";
import { type Child, stopAllChildren } from "../helpers/children.js";
import { answer, onTerminal as onPty } from "../helpers/pty.js";
import { type CommandWorld, startCommandWorld } from "../helpers/command-world.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";

const skip = spawnSync("sh", ["-c", "command -v script"]).status !== 0 ? "script(1) missing" : false;
const PASSWORD = "typed on a tty 17";
const NEW_PASSWORD = "typed again on a tty 17";

describe("account prompts on a terminal", { skip }, () => {
  let world: CommandWorld;
  let supabase: LocalSupabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const onTerminal = (args: string[]): Child => onPty({ env }, args);
  const lastCode = (to: string, seen: number) => world.mailedCode(to, seen);

  before(async () => {
    world = await startCommandWorld("accounts-tty", { confirmEmail: true, emailMaxFrequency: 0 });
    ({ supabase, dir, env } = world);
  });
  after(async () => {
    await stopAllChildren();
    await world?.stop();
  });

  test("signup asks for the email, the password twice (masked) and the confirmation code; password reset for the code and the new password twice", async () => {
    const email = "tty-account@example.com";
    const s = onTerminal(["--profile", "tty", "signup", "--name", "Ada Lovelace"]);
    await answer(s, /Email/, email);
    await answer(s, /Password/, PASSWORD);
    await answer(s, /Repeat password/, PASSWORD);
    await answer(s, /Code from the confirmation email sent to tty-account@example\.com/, await lastCode(email, 0));
    await s.waitFor(/Logged in as tty-account@example\.com on profile "tty"/, 20_000);
    assert.equal((await s.exited).code, 0, s.output());
    assert.ok(!s.output().includes(PASSWORD), "the password was never echoed");

    const r = onTerminal(["--profile", "tty", "password", "reset"]);
    await r.waitFor(/a password reset code was sent there/, 20_000);
    await answer(r, /Code from the password reset email/, await lastCode(email, 1));
    await answer(r, /New password/, NEW_PASSWORD);
    await answer(r, /Repeat new password/, NEW_PASSWORD);
    await r.waitFor(/Logged in as tty-account@example\.com on profile "tty"/, 20_000);
    assert.equal((await r.exited).code, 0, r.output());
    assert.ok(!r.output().includes(NEW_PASSWORD), "the new password was never echoed");
    assert.match(r.output(), /\*{8,}/, "typed characters shown as *");
  });

  test("password change asks for the new password twice (masked); account update --email for the code from each address", async () => {
    const email = "tty-change@example.com";
    const made = await lgauthInProcess(
      ["--profile", "change", "signup", "--email", email, "--password-stdin", "--code-stdin"],
      {
        env,
        stdin: [PASSWORD, () => lastCode(email, 0)],
      },
    );
    assert.equal(made.code, 0, made.stderr);

    const p = onTerminal(["--profile", "change", "password", "change"]);
    await answer(p, /New password/, NEW_PASSWORD);
    await answer(p, /Repeat new password/, NEW_PASSWORD);
    await p.waitFor(/Password changed for tty-change@example\.com/, 20_000);
    assert.equal((await p.exited).code, 0, p.output());
    assert.ok(!p.output().includes(NEW_PASSWORD), "the new password was never echoed");

    const moved = "tty-changed@example.com";
    const u = onTerminal(["--profile", "change", "account", "update", "--email", moved]);
    await answer(u, /Code from the email sent to tty-changed@example\.com/, await lastCode(moved, 0));
    await answer(u, /Code from the email sent to tty-change@example\.com/, await lastCode(email, 1));
    await u.waitFor(/Account updated: email changed to tty-changed@example\.com/, 20_000);
    assert.equal((await u.exited).code, 0, u.output());
  });

  test("switch without a name on a terminal: a pick list of the profiles, answered with the arrow keys", async () => {
    const file = join(dir, "config", "config.json");
    const config = JSON.parse(await readFile(file, "utf8")) as {
      activeProfile?: string;
      profiles: Record<string, unknown>;
    };
    config.profiles.work = { supabaseUrl: supabase.url };
    config.profiles.home = { supabaseUrl: supabase.url };
    config.activeProfile = "home";
    await writeFile(file, JSON.stringify(config));
    const sw = onTerminal(["switch"]);
    await sw.waitFor(/Switch to which profile\?[\s\S]*work/, 20_000);
    sw.proc.stdin?.write("\u001b[B"); // home (active, preselected) -> tty
    await sw.waitFor(/❯ tty/, 20_000);
    sw.proc.stdin?.write("\r");
    await sw.waitFor(/Switched to profile "tty" \(tty-account@example\.com\)/, 20_000);
    assert.equal((await sw.exited).code, 0, sw.output());
    assert.equal((JSON.parse(await readFile(file, "utf8")) as { activeProfile?: string }).activeProfile, "tty");
  });
});
