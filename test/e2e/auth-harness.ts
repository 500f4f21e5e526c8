/**
 * Shared set-up for the auth end-to-end tests: the real local Supabase Auth server, a counting
 * pass-through proxy in front of it (a tap on the wire, so tests can count requests per
 * endpoint), a private gnome-keyring, a temp config dir, and a runner for the built CLI that
 * checks every command's output for secrets.
 */
import { type CountingProxy, startCountingProxy } from "../helpers/counting-proxy.js";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalSupabase, type LocalSupabaseOptions, startLocalSupabase } from "../../src/local-supabase/index.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";
import { type KeyringSession, startKeyringSession } from "../helpers/keyring.js";

export { keyringSkip } from "../helpers/keyring.js";

/** A loopback port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Refreshes a refresh token directly at the server (raw HTTP, as the tutorial does). */
export async function refreshAtServer(
  supabase: LocalSupabase,
  refreshToken: string,
): Promise<{ status: number; code?: string; refresh_token?: string; access_token?: string }> {
  const res = await fetch(`${supabase.url}/auth/v1/token?grant_type=refresh_token`, {
    method: "POST",
    headers: { apikey: supabase.anonKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

export { type CountingProxy, startCountingProxy };

export const REFRESH = /^POST \/auth\/v1\/token\?grant_type=refresh_token/;
export const PASSWORD = /^POST \/auth\/v1\/token\?grant_type=password/;
export const LOGOUT = /^POST \/auth\/v1\/logout/;

export interface AuthWorld {
  supabase: LocalSupabase;
  proxy: CountingProxy;
  keyring: KeyringSession | undefined;
  configDir: string;
  /** Environment of every CLI run: keyring session, config dir, Supabase via the proxy. */
  env: NodeJS.ProcessEnv;
  /** Strings that must never appear in output other than `lgauth token`'s stdout. */
  secrets: Set<string>;
  /** lgauth with `args`: in this process when the world was started with inProcess, else the binary. */
  run(
    args: string[],
    opts?: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; printsToken?: boolean },
  ): Promise<CliResult>;
  /** The built binary as a child process, whatever the world's mode. */
  runBinary(
    args: string[],
    opts?: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; printsToken?: boolean },
  ): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function startAuthWorld(
  opts: {
    supabase?: LocalSupabaseOptions;
    keyring?: boolean;
    provider?: "keytar" | "napi";
    /**
     * Run commands in this process (src/cli/run.ts with captured streams) instead of spawning the
     * binary. The keychain libraries read the D-Bus address from the process's own environment,
     * so the world points this (test file's) process at its private keyring until stop().
     */
    inProcess?: boolean;
  } = {},
): Promise<AuthWorld> {
  const supabase = await startLocalSupabase({ port: 0, ...opts.supabase });
  const proxy = await startCountingProxy(supabase.url);
  const keyring = opts.keyring === false ? undefined : await startKeyringSession();
  const configDir = await mkdtemp(join(tmpdir(), "lgauth-e2e-"));
  const base: NodeJS.ProcessEnv = keyring ? { ...keyring.env } : { ...process.env };
  for (const k of ["LGAUTH_PROFILE", "LGAUTH_ACCESS_TOKEN", "LGAUTH_CREDENTIAL_STORE", "CI"]) delete base[k];
  const env: NodeJS.ProcessEnv = {
    ...base,
    LGAUTH_CONFIG_DIR: configDir,
    SUPABASE_URL: proxy.url,
    SUPABASE_ANON_KEY: supabase.anonKey,
    LANGGRAPH_URL: `http://127.0.0.1:${await closedPort()}`,
    NO_COLOR: "1",
  };
  if (opts.provider) env.LGAUTH_KEYCHAIN_PROVIDER = opts.provider;
  const secrets = new Set<string>();
  const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (opts.inProcess && keyring) process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
  const runWith =
    (how: "binary" | "world") =>
    async (
      args: string[],
      o: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; printsToken?: boolean } = {},
    ): Promise<CliResult> => {
      for (const s of secrets) {
        assert.ok(!args.some((a) => a.includes(s)), "a secret was about to be passed in argv");
      }
      const runEnv = { ...env, ...o.env };
      const r =
        how === "world" && opts.inProcess
          ? await lgauthInProcess(args, { env: runEnv, stdin: o.stdin })
          : await runCli(args, { env: runEnv, stdin: o.stdin });
      for (const s of secrets) {
        if (!o.printsToken) assert.ok(!r.stdout.includes(s), `a secret appeared on stdout of lgauth ${args.join(" ")}`);
        assert.ok(!r.stderr.includes(s), `a secret appeared on stderr of lgauth ${args.join(" ")}`);
      }
      return r;
    };
  const world: AuthWorld = {
    supabase,
    proxy,
    keyring,
    configDir,
    env,
    secrets,
    run: runWith("world"),
    runBinary: runWith("binary"),
    async stop() {
      if (opts.inProcess && keyring) {
        if (savedBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
        else process.env.DBUS_SESSION_BUS_ADDRESS = savedBus;
      }
      await proxy.close();
      await supabase.stop();
      await keyring?.stop();
      await rm(configDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Every file under `dir`, with its content (to prove tokens are in no file). */
export async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out.push({ path, text: await readFile(path, "utf8") });
  }
  return out;
}

export function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0] ?? "";
}
