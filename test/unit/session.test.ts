import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { formatError } from "../../src/cli/errors.js";
import { readFirstLine } from "../../src/cli/stdin.js";
import { sessionAccounts } from "../../src/session/accounts.js";
import { ServerClock, decodeClaims } from "../../src/session/clock.js";
import { FileStore } from "../../src/session/credentials/file.js";
import { chooseStoreForLogin } from "../../src/session/credentials/select.js";
import { CredentialStorage, STORAGE_KEY } from "../../src/session/storage-adapter.js";
import { sessionContext } from "../helpers/session-context.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lgauth-session-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An unsigned JWT-shaped token with the given claims (the client never verifies signatures). */
function jwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b({ alg: "ES256", typ: "JWT" })}.${b(claims)}.c2ln`;
}

describe("server clock", () => {
  test("skew comes from the Date header, sub-second noise is ignored", () => {
    const c = new ServerClock();
    const local = Date.parse("2026-01-01T00:00:00.000Z");
    c.observe(new Date(local + 120_000).toUTCString(), local, local + 10);
    assert.equal(c.skewSeconds, 120);
    assert.equal(c.measured, true);
    c.observe(new Date(local).toUTCString(), local, local + 10);
    assert.equal(c.skewSeconds, 0);
    c.observe("not a date", local, local);
    assert.equal(c.skewSeconds, 0);
  });
  test("seconds left are judged by the server's clock", () => {
    const local = Date.parse("2026-01-01T00:00:00.000Z");
    const token = jwt({ sub: "u", exp: local / 1000 + 100 });
    assert.equal(new ServerClock(0).secondsLeft(token, local), 100);
    // The server is 70 s ahead: only 30 s are left, so a 60 s margin calls for a refresh.
    assert.equal(new ServerClock(70).secondsLeft(token, local), 30);
    assert.equal(new ServerClock(0).secondsLeft("opaque", local), Number.NEGATIVE_INFINITY);
  });
  test("claims are decoded without verification, garbage gives null", () => {
    assert.deepEqual(decodeClaims(jwt({ sub: "u1", email: "a@b.c", exp: 5 })), { sub: "u1", email: "a@b.c", exp: 5 });
    assert.equal(decodeClaims("a.%%%.c"), null);
  });
});

describe("supabase-js storage over a credential store", () => {
  const accounts = sessionAccounts("p", "http://127.0.0.1:54321");
  test("the session is split into two entries and rebuilt; expiry is presented for a 60 s margin", async () => {
    const store = new FileStore(join(dir, "a", "credentials.json"));
    const s = new CredentialStorage({ store, accounts, clock: new ServerClock(0), minValiditySeconds: 60 });
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const access = jwt({ sub: "user-1", email: "a@example.com", exp });
    await s.setItem(STORAGE_KEY, JSON.stringify({ access_token: access, refresh_token: "r1", user: { id: "user-1" } }));
    assert.equal(await store.get(accounts.refresh), "r1");
    assert.equal(await store.get(accounts.access), access);
    assert.equal(s.saved?.expiresAt, exp);
    s.invalidate();
    const back = JSON.parse((await s.getItem(STORAGE_KEY)) ?? "null") as Record<string, unknown>;
    assert.equal(back.refresh_token, "r1");
    assert.equal(back.access_token, access);
    // supabase-js refreshes at < 90 s; presenting exp + 30 makes that "< 60 s" here.
    assert.equal(back.expires_at, exp + 30);
  });
  test("forced refresh presents the session as expired only while the rejected token is stored", async () => {
    const store = new FileStore(join(dir, "b", "credentials.json"));
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const access = jwt({ sub: "u", exp });
    await store.set(accounts.refresh, "r1");
    await store.set(accounts.access, access);
    const rejected = new CredentialStorage({
      store,
      accounts,
      clock: new ServerClock(0),
      minValiditySeconds: 60,
      force: access,
    });
    assert.equal(JSON.parse((await rejected.getItem(STORAGE_KEY)) ?? "{}").expires_at, 1);
    const other = new CredentialStorage({
      store,
      accounts,
      clock: new ServerClock(0),
      minValiditySeconds: 60,
      force: "some-older-token",
    });
    assert.equal(JSON.parse((await other.getItem(STORAGE_KEY)) ?? "{}").expires_at, exp + 30);
  });
  test("supabase-js cannot delete credentials on its own; only an allowed removal does", async () => {
    const store = new FileStore(join(dir, "c", "credentials.json"));
    await store.set(accounts.refresh, "r1");
    const s = new CredentialStorage({ store, accounts, clock: new ServerClock(0), minValiditySeconds: 60 });
    await s.removeItem(STORAGE_KEY);
    assert.equal(await store.get(accounts.refresh), "r1");
    s.allowRemoval = true;
    await s.removeItem(STORAGE_KEY);
    assert.equal(await store.get(accounts.refresh), null);
  });
});

describe("--password-stdin", () => {
  test("reads the first line only, without its line ending", async () => {
    assert.equal(
      await readFirstLine("password", "--password-stdin", Readable.from([Buffer.from("pässwörd\r\nnext\n")])),
      "pässwörd",
    );
    assert.equal(
      await readFirstLine("password", "--password-stdin", Readable.from([Buffer.from("no-newline")])),
      "no-newline",
    );
  });
  test("refuses bytes that are not UTF-8 and empty input, without echoing the input", async () => {
    await assert.rejects(
      readFirstLine("password", "--password-stdin", Readable.from([Buffer.from([0x5a, 0x71, 0x5a, 0xff, 0xfe, 0x0a])])),
      (err: Error) => /not valid UTF-8/.test(err.message) && !err.message.includes("ZqZ"),
    );
    await assert.rejects(
      readFirstLine("password", "--password-stdin", Readable.from([Buffer.from("\n")])),
      /no password/,
    );
  });
});

describe("where login stores tokens when no keychain answers", () => {
  // A session bus address that does not exist: both keychain libraries fail at once.
  const noBus: NodeJS.ProcessEnv = { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };
  before(() => {
    process.env.DBUS_SESSION_BUS_ADDRESS = noBus.DBUS_SESSION_BUS_ADDRESS;
    process.env.XDG_RUNTIME_DIR = join(dir, "no-runtime");
  });
  const env = (extra: NodeJS.ProcessEnv) => ({ ...noBus, LGAUTH_CONFIG_DIR: join(dir, "sel"), ...extra });
  test("a script without consent fails with a hint naming both ways to consent", async () => {
    await assert.rejects(
      chooseStoreForLogin(sessionContext({ env: env({}) }), { insecureStorage: false, probeAccount: "p@h" }),
      (err: Error) =>
        /no keychain available/.test(err.message) &&
        /--insecure-storage/.test(formatError(err).line) &&
        /LGAUTH_CREDENTIAL_STORE=file/.test(formatError(err).line),
    );
  });
  test("--insecure-storage and LGAUTH_CREDENTIAL_STORE=file choose the file; =keychain forbids it", async () => {
    const a = await chooseStoreForLogin(sessionContext({ env: env({}) }), {
      insecureStorage: true,
      probeAccount: "p@h",
    });
    assert.equal(a.kind, "file");
    const b = await chooseStoreForLogin(sessionContext({ env: env({ LGAUTH_CREDENTIAL_STORE: "file" }) }), {
      insecureStorage: false,
      probeAccount: "p@h",
    });
    assert.equal(b.kind, "file");
    await assert.rejects(
      chooseStoreForLogin(sessionContext({ env: env({ LGAUTH_CREDENTIAL_STORE: "keychain" }) }), {
        insecureStorage: true,
        probeAccount: "p@h",
      }),
      /no keychain available/,
    );
  });
  test("at a terminal, a yes stores in the file and a no stores nothing", async () => {
    const yes = await chooseStoreForLogin(sessionContext({ env: env({}) }), {
      insecureStorage: false,
      probeAccount: "p@h",
      confirm: async () => true,
    });
    assert.equal(yes.kind, "file");
    await yes.store.set("x", "y");
    assert.equal((await stat(join(dir, "sel", "credentials.json"))).mode & 0o777, 0o600);
    await assert.rejects(
      chooseStoreForLogin(sessionContext({ env: env({}) }), {
        insecureStorage: false,
        probeAccount: "p@h",
        confirm: async () => false,
      }),
      /no consent/,
    );
  });
});
