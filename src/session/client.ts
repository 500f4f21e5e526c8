import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { AuthClient } from "@supabase/supabase-js";
import { redact } from "../util/redact.js";
import { type ServerKind, identifyServer } from "../util/server-kind.js";
import { timeoutSignal } from "../util/timeout-signal.js";
import type { SessionAccounts } from "./accounts.js";
import { ServerClock } from "./clock.js";
import type { ConfigStore } from "./config.js";
import type { CredentialStore } from "./credentials/types.js";
import { withFileLock } from "./lock.js";
import { type AdapterOptions, CredentialStorage, STORAGE_KEY } from "./storage-adapter.js";

/** What the client saw on the wire: clock skew, rate-limit hints, request count (for --debug and benches). */
export class WireLog {
  requests = 0;
  retryAfterSeconds: number | undefined;
  unreachable: string | undefined;
  constructor(
    readonly clock: ServerClock,
    private readonly debug: ((line: string) => void) | undefined,
  ) {}

  /** A fetch that records Date and Retry-After, times out, and fails fast when the server is unreachable. */
  fetch: typeof fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? "GET";
    const timeout = timeoutSignal(15_000);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
    const sent = Date.now();
    this.requests++;
    let res: Response;
    try {
      res = await fetch(input, { ...init, signal });
    } catch (err) {
      const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      this.debug?.(`${method} ${pathOf(url)} failed after ${Date.now() - sent} ms: ${why}`);
      this.unreachable = why;
      // Answer with an error supabase-js does not retry instead of throwing: a thrown fetch
      // error is printed with its stack by auth-js (console.error) and starts a 30 s retry
      // loop on refresh. The synthetic response is never stored (removing credentials is
      // ours to decide), and an unreachable server fails the command at once, on one line.
      return new Response(JSON.stringify({ code: "lgauth_unreachable", message: `cannot reach ${pathOf(url)}` }), {
        status: 400,
        headers: { "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
      });
    } finally {
      timeout.clear();
    }
    const received = Date.now();
    const wrong = await this.otherServer(url, init, res);
    if (wrong) return wrong;
    this.clock.observe(res.headers.get("date"), sent, received);
    const retryAfter = res.headers.get("retry-after");
    if (retryAfter) {
      const s = Number(retryAfter);
      const when = Number.isFinite(s) ? s : (Date.parse(retryAfter) - received) / 1000;
      if (Number.isFinite(when)) this.retryAfterSeconds = Math.max(0, Math.ceil(when));
    }
    this.debug?.(`${method} ${pathOf(url)} -> ${res.status} in ${received - sent} ms`);
    return res;
  };

  private checked: Promise<ServerKind> | undefined;

  /**
   * GoTrue answers its own routes with JSON, and a missing one with its JSON 404. A 404 or 405
   * that is not GoTrue's, or an error that is not JSON, may come from a LangGraph server at the
   * Supabase URL, or from some other web server: ask once what answers there, and unless it is
   * Supabase Auth, answer with an error supabase-js hands over as code lgauth_wrong_server
   * (never stored, like lgauth_unreachable), naming what answered.
   */
  private async otherServer(url: string, init: RequestInit | undefined, res: Response): Promise<Response | undefined> {
    if (res.status < 400) return undefined;
    const json = (res.headers.get("content-type") ?? "").includes("json");
    if (json && res.status !== 404 && res.status !== 405) return undefined;
    const at = url.indexOf("/auth/v1");
    if (at < 0) return undefined;
    const base = url.slice(0, at);
    const apikey = new Headers(init?.headers).get("apikey") ?? undefined;
    this.checked ??= identifyServer(base, apikey);
    const kind = await this.checked;
    if (kind === "supabase-auth" || kind === "unreachable") return undefined;
    await res.body?.cancel();
    const message =
      kind === "langgraph"
        ? `${base} is a LangGraph server, not Supabase Auth`
        : `${base} does not answer as Supabase Auth (HTTP ${res.status}${json ? "" : ", not JSON"}; no GoTrue at /auth/v1/health)`;
    return new Response(JSON.stringify({ code: "lgauth_wrong_server", message }), {
      status: 400,
      headers: { "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
    });
  }
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return redact(`${u.origin}${u.pathname}${u.search}`);
  } catch {
    return "(url)";
  }
}

/**
 * The profile lock sits where the tokens are shared: beside the config for the file store,
 * and in the user's runtime directory for the keychain (one keychain per login session, while
 * LGAUTH_CONFIG_DIR may differ between two shells of the same user).
 */
export function lockPathFor(
  kind: CredentialStore["kind"],
  account: string,
  where: { config: ConfigStore; env: NodeJS.ProcessEnv },
): string {
  const name = `${account.replace(/[^A-Za-z0-9._@-]/g, "_")}.lock`;
  if (kind === "file") return join(where.config.dir, "locks", name);
  const env = where.env;
  const runtime = env.XDG_RUNTIME_DIR?.startsWith("/")
    ? join(env.XDG_RUNTIME_DIR, "lgauth")
    : join(tmpdir(), `lgauth-${userInfo().uid}`);
  return join(runtime, "locks", name);
}

export interface ProfileClientOptions extends Omit<AdapterOptions, "clock"> {
  supabaseUrl: string;
  anonKey: string;
  skewSeconds: number;
  /**
   * The profile whose config holds the clock skew and expiry. When set, the skew is re-read
   * each time the lock is taken, and a refreshed session's expiry and measured skew are written
   * before the lock is released, so a command that waited for the lock judges the new token
   * with the same clock as the one that refreshed it.
   */
  profile?: string;
  /** The config store the profile lives in (its lock files, its recorded expiry and skew). */
  config: ConfigStore;
  env: NodeJS.ProcessEnv;
  debug?: ((line: string) => void) | undefined;
  lockTimeoutMs?: number;
  /** "pkce" for browser logins (the code verifier stays in this process's memory). */
  flowType?: "implicit" | "pkce";
}

export interface ProfileClient {
  /** supabase-js's auth client (what `createClient(...).auth` is). */
  auth: InstanceType<typeof AuthClient>;
  storage: CredentialStorage;
  wire: WireLog;
  clock: ServerClock;
  lockPath: string;
  accounts: SessionAccounts;
}

/**
 * One supabase-js auth client per profile. supabase-js does the talking and the session logic;
 * we supply `storage` (our credential store), a cross-process `lock` (so a refresh re-reads
 * the stored session after taking the lock and writes the rotated refresh token before
 * releasing it), `autoRefreshToken: false` (a CLI refreshes on demand) and a fetch that
 * measures the server's clock.
 *
 * It is supabase-js's `AuthClient` (the class behind `createClient(...).auth`) built directly:
 * `createClient` also subscribes to auth events, and that subscription loads the session again
 * in the background under the lock (and may refresh it) after every command has done its work;
 * it also builds a realtime client that needs a WebSocket Node 20 does not have.
 */
export function createProfileClient(opts: ProfileClientOptions): ProfileClient {
  const clock = new ServerClock(opts.skewSeconds);
  const wire = new WireLog(clock, opts.debug);
  const profile = opts.profile;
  const storage = new CredentialStorage({
    ...opts,
    clock,
    onSaved:
      profile === undefined
        ? undefined
        : (saved) =>
            opts.config.update((config) => {
              const p = config.profiles[profile];
              if (!p) return;
              if (saved.expiresAt !== undefined) p.expiresAt = saved.expiresAt;
              if (saved.aal !== undefined) p.aal = saved.aal;
              else delete p.aal;
              // an email change confirmed elsewhere shows up at the next refresh
              if (saved.email) p.email = saved.email;
              if (saved.displayName !== undefined) p.displayName = saved.displayName;
              else delete p.displayName;
              if (clock.measured) p.clockSkew = clock.skewSeconds;
            }),
  });
  const lockPath = lockPathFor(opts.store.kind, opts.accounts.refresh, opts);
  const auth = new AuthClient({
    url: new URL("auth/v1", `${opts.supabaseUrl.replace(/\/+$/, "")}/`).href,
    headers: { apikey: opts.anonKey, Authorization: `Bearer ${opts.anonKey}` },
    persistSession: true,
    autoRefreshToken: false,
    detectSessionInUrl: false,
    flowType: opts.flowType ?? "implicit",
    skipAutoInitialize: true,
    storageKey: STORAGE_KEY,
    storage,
    lock: (_name, acquireTimeout, fn) =>
      withFileLock(
        lockPath,
        async () => {
          storage.invalidate();
          if (opts.profile !== undefined && !clock.measured) {
            const skew = (await opts.config.load()).profiles[opts.profile]?.clockSkew;
            if (skew !== undefined) clock.skewSeconds = skew;
          }
          return fn();
        },
        acquireTimeout,
      ),
    lockAcquireTimeout: opts.lockTimeoutMs ?? 20_000,
    fetch: wire.fetch,
  });
  return { auth, storage, wire, clock, lockPath, accounts: opts.accounts };
}
