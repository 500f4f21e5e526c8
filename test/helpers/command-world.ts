/**
 * The world the in-process command tests run lgauth in: one real local Supabase Auth server
 * (with the test file's options), a temporary HOME with the config folder in it, tokens in the
 * 0600 file store, no keychain (a D-Bus address that does not exist, set in this process too,
 * since the keychain libraries read it here) and a LangGraph URL at a closed port. One world per
 * test file, started in `before` and stopped in `after`.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { type LocalSupabase, type LocalSupabaseOptions, startLocalSupabase } from "../../src/local-supabase/index.js";
import { outbox, type RawResponse, raw } from "../e2e/local-supabase-kit.js";
import { closedPort } from "./closed-port.js";
import { type InProcessOptions, type InProcessResult, lgauthInProcess } from "./lgauth-in-process.js";

const NO_BUS = "unix:path=/nonexistent/lgauth-test-bus";

export interface CommandWorld {
  supabase: LocalSupabase;
  /** The temporary HOME (removed by stop). */
  dir: string;
  /** LGAUTH_CONFIG_DIR: `dir`/config. */
  config: string;
  env: NodeJS.ProcessEnv;
  /** lgauth in process in this world (`o.env` adds to the world's environment). */
  run(args: string[], o?: Partial<InProcessOptions>): Promise<InProcessResult>;
  /** credentials.json's entries ({} before there is one). */
  readEntries(): Promise<Record<string, string>>;
  /** The stored accounts (credential entries) of `profile`. */
  accountsOf(profile: string): Promise<string[]>;
  /** The newest code mailed to `to` after `seen` messages (waits for it). */
  mailedCode(to: string, seen: number): Promise<string>;
  /** A request to the admin API with the service_role key. */
  admin(method: string, path: string, body?: unknown): Promise<RawResponse>;
  /**
   * A user made with the admin API (confirmed unless said otherwise) whose password is
   * `password`, imported as a bcrypt hash of cost 4 so its logins cost milliseconds; logged in
   * on `profile` when one is named. Returns the user's id.
   */
  account(
    email: string,
    password: string,
    opts?: { confirmed?: boolean; profile?: string; data?: Record<string, unknown> },
  ): Promise<string>;
  /** `lgauth --json whoami` of `profile`, or { code } when it fails. */
  whoami(profile: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startCommandWorld(tag: string, options: LocalSupabaseOptions = {}): Promise<CommandWorld> {
  const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = NO_BUS;
  const supabase = await startLocalSupabase({ port: 0, ...options });
  const dir = await mkdtemp(join(tmpdir(), `lgauth-cmd-${tag}-`));
  const config = join(dir, "config");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_RUNTIME_DIR: join(dir, "run"),
    DBUS_SESSION_BUS_ADDRESS: NO_BUS,
    LGAUTH_CONFIG_DIR: config,
    SUPABASE_URL: supabase.url,
    SUPABASE_ANON_KEY: supabase.anonKey,
    LANGGRAPH_URL: `http://127.0.0.1:${await closedPort()}`,
    LGAUTH_CREDENTIAL_STORE: "file",
    NO_COLOR: "1",
  };
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
  const admin = (method: string, path: string, body?: unknown) =>
    raw(supabase, method, `/admin${path}`, {
      apikey: supabase.serviceRoleKey,
      bearer: supabase.serviceRoleKey,
      headers: { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const hashes = new Map<string, Promise<string>>();
  const hashOf = (password: string) => {
    let hash = hashes.get(password);
    if (hash === undefined) {
      hash = bcrypt.hash(password, 4);
      hashes.set(password, hash);
    }
    return hash;
  };
  return {
    supabase,
    dir,
    config,
    env,
    run,
    readEntries,
    accountsOf: async (profile) => Object.keys(await readEntries()).filter((a) => a.startsWith(`${profile}@`)),
    async mailedCode(to, seen) {
      for (let i = 0; i < 400; i++) {
        const mail = await outbox(supabase, to);
        if (mail.length > seen) return mail[mail.length - 1]?.token ?? "";
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no code arrived for ${to}`);
    },
    admin,
    async account(email, password, opts = {}) {
      const r = await admin("POST", "/users", {
        email,
        password_hash: await hashOf(password),
        email_confirm: opts.confirmed ?? true,
        ...(opts.data === undefined ? {} : { user_metadata: opts.data }),
      });
      assert.equal(r.status, 200, r.text);
      if (opts.profile !== undefined) {
        const login = await run(["--profile", opts.profile, "login", "--email", email, "--password-stdin"], {
          stdin: `${password}\n`,
        });
        assert.equal(login.code, 0, login.stderr);
      }
      return r.json.id as string;
    },
    async whoami(profile) {
      const r = await run(["--profile", profile, "--json", "whoami"]);
      return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : { code: r.code };
    },
    async stop() {
      if (savedBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = savedBus;
      await supabase.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
