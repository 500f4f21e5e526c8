/**
 * The keychain failing between commands (real gnome-keyring in a private D-Bus session,
 * test/helpers/keyring-control.ts): its daemon killed, the whole session bus gone, the login
 * collection locked. Each time `lgauth token` ends with one clear line naming the keychain and
 * no stack trace, writes nothing to a plain file (no silent fallback), and once the keychain is
 * back the same session works again without logging in: no token lost.
 *
 * Exit codes: with the daemon or the whole session bus gone the keychain call fails (exit 1,
 * "the keychain refused the read"). With the collection locked (also what a desktop shows after
 * the daemon died: D-Bus activation starts a fresh, locked one) libsecret answers "no such
 * entry" rather than an error; lgauth then finds out whether it is locked (a write is refused
 * while it is) and says so with how to unlock it: exit 1 (#19 item 6; it used to say only "no
 * stored session", which sent people to log in again, then "it may be locked", exit 4). A
 * signup while it is locked creates the account and cannot store its tokens: the message says
 * the account exists and to log in once the keychain is unlocked.
 */
import assert from "node:assert/strict";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type LocalSupabase, startLocalSupabase } from "../../src/local-supabase/index.js";
import { keyringUnavailableReason } from "../helpers/keyring.js";
import { type ControlledKeyring, startControlledKeyring } from "../helpers/keyring-control.js";
import { createRecorder } from "../helpers/recorder.js";

const PASSWORD = "pw-alice-Keychain-123";
const skip = keyringUnavailableReason() ?? false;

describe("reliability: keychain gone or locked between commands", { skip }, () => {
  let supabase: LocalSupabase;
  let keyring: ControlledKeyring;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let firstToken = "";
  const rec = createRecorder();
  const counts = { runs: 0, faults: 0, failures: 0 };

  const cli = (args: string[], stdin?: string, printsToken = false) => {
    counts.runs += 1;
    return rec.run(args, { env, ...(stdin !== undefined ? { stdin } : {}), printsToken, timeoutMs: 30_000 });
  };

  before(async () => {
    supabase = await startLocalSupabase({ port: 0 });
    keyring = await startControlledKeyring();
    dir = await mkdtemp(join(tmpdir(), "lgauth-rel-keychain-"));
    env = {
      ...keyring.env,
      LGAUTH_CONFIG_DIR: join(dir, "config"),
      SUPABASE_URL: supabase.url,
      SUPABASE_ANON_KEY: supabase.anonKey,
      LANGGRAPH_URL: "http://127.0.0.1:9",
      NO_COLOR: "1",
    };
    for (const k of ["LGAUTH_PROFILE", "LGAUTH_ACCESS_TOKEN", "LGAUTH_CREDENTIAL_STORE", "CI"]) delete env[k];
    rec.secrets.add(PASSWORD);
    const r = await cli(["signup", "--email", "alice.keychain@example.com", "--password-stdin"], `${PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
    const t = await cli(["token"], undefined, true);
    assert.equal(t.code, 0, t.stderr);
    firstToken = t.stdout.trim();
    rec.secrets.add(firstToken);
  });

  after(async () => {
    console.log(
      `reliability-keychain: cli-runs=${counts.runs} faults=${counts.faults} failures=${counts.failures} ` +
        `recorded-bytes=${rec.bytes}`,
    );
    await keyring?.stop();
    await supabase?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function expectKeychainError(what: string, code: 1 | 4, said?: RegExp) {
    counts.faults += 1;
    const started = Date.now();
    const r = await cli(["token"]);
    const lines = r.stderr.trimEnd().split("\n");
    const ok = r.code === code && lines.length === 1 && /keychain|secret service|keyring/i.test(r.stderr);
    if (!ok) counts.failures += 1;
    assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stderr}`);
    assert.equal(lines.length, 1, `${what}: one line\n${r.stderr}`);
    assert.match(r.stderr, /keychain|secret service|keyring/i, `${what}: the error names the keychain`);
    if (said) assert.match(r.stderr, said, what);
    if (process.env.LGAUTH_SHOW_ERRORS) console.log(`${what}: exit ${r.code}: ${r.stderr.trim()}`);
    assert.ok(Date.now() - started < 20_000, `${what}: answered within the keychain timeouts`);
    await assert.rejects(access(join(dir, "config", "credentials.json")), "no silent plain-file fallback");
  }

  async function expectSameSessionBack(what: string) {
    await keyring.start();
    const r = await cli(["token"], undefined, true);
    if (r.code !== 0) counts.failures += 1;
    assert.equal(r.code, 0, `${what}: the session works again\n${r.stderr}`);
    assert.equal(r.stdout.trim(), firstToken, `${what}: the stored token survived (no new login)`);
  }

  test("gnome-keyring-daemon killed: one line naming the keychain, exit 1; restarted: the same session works", async () => {
    await keyring.killDaemon();
    await expectKeychainError("daemon gone", 1);
    await expectSameSessionBack("daemon back");
  });

  test("the session bus gone entirely: one clear line, exit 1; back: the same session works", async () => {
    await keyring.killBus();
    await expectKeychainError("bus gone", 1);
    await expectSameSessionBack("bus back");
  });

  test("the login keyring locked: one line saying it is locked and how to unlock it, exit 1; status and signup say so too; unlocked: the same session works", async () => {
    keyring.lock();
    await expectKeychainError(
      "keyring locked",
      1,
      /^lgauth: the keychain is locked, so the tokens stored there cannot be read \(unlock it and try again: .*gnome-keyring-daemon --replace --unlock/,
    );
    const status = await cli(["status"]);
    assert.match(status.stdout, /^ {2}problem: {3}the keychain is locked; unlock it to use this profile$/m);
    assert.doesNotMatch(status.stdout, /no refresh token/, "a locked keychain is not a lost token");
    const signup = await cli(
      ["--profile", "new", "signup", "--email", "new.keychain@example.com", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    assert.equal(signup.code, 1, signup.stderr);
    assert.match(
      signup.stderr,
      /^lgauth: the account new\.keychain@example\.com was created, but its tokens could not be stored \(the keychain is locked, .*\) \(unlock it .*; then log in with `lgauth login --email new\.keychain@example\.com` once the keychain works\)\n$/,
    );
    await keyring.killDaemon(); // restarting with --unlock unlocks it
    await expectSameSessionBack("keyring unlocked");
  });

  test("secrets: none in any output or argv", () => {
    const hits = rec.scan();
    console.log(`reliability-keychain secrets: runs=${rec.runs} bytes-scanned=${rec.bytes} hits=${hits.length}`);
    assert.deepEqual(hits, []);
  });
});
