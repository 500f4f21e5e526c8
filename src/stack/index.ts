/**
 * The local stack: the local Supabase Auth server and the LangGraph server (our graph and
 * Auth), each a supervised child process, with the auth server's URL and keys wired into the
 * LangGraph server's environment. `startStack()` resolves once both answer HTTP requests.
 */
import type { JsonWebKey } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ensurePrivateDir } from "../util/private-files.js";
import {
  type AuthReady,
  type LangGraphLauncher,
  type LangGraphReady,
  startAuthService,
  startLangGraphService,
} from "./launchers.js";
import { defaultDataDir } from "./paths.js";
import { ensurePortFree } from "./ports.js";
import { SERVICE_LABEL, type Service, type ServiceExit, type ServiceName } from "./service.js";
import { ensureOwnDir } from "./data-dir.js";
import { lockDataDir } from "./lock.js";
import { readStackState, removeStackState, writeStackState } from "./state.js";
import { waitUntilAnswers } from "./wait.js";
import { commandLine, processRunning } from "../util/process.js";

export { PortInUseError } from "./ports.js";
export { assertOwnDir, ensureOwnDir } from "./data-dir.js";
export { DataDirInUseError, lockHolder } from "./lock.js";
export { readStackState, type StackState } from "./state.js";
export type { ServiceExit, ServiceName } from "./service.js";
export type { LangGraphLauncher } from "./launchers.js";
export { defaultDataDir } from "./paths.js";

export interface StackOptions {
  /** Where both servers keep their data (auth/ and langgraph/ below it). Default defaultDataDir(). */
  dataDir?: string;
  /** Keep the auth server's users in memory only (tests). */
  authInMemory?: boolean;
  host?: string;
  /** Default 54321; 0 = a free port. */
  authPort?: number;
  /** Default 2024; 0 = a free port. */
  langgraphPort?: number;
  /** "auth": start only the local Supabase Auth server. */
  only?: "auth";
  /** AUTH_VERIFY for the LangGraph server (default "jwks"). */
  authVerify?: "jwks" | "remote";
  /** Legacy HS256 mode: the auth server signs with this secret and the LangGraph server verifies with it. */
  jwtSecret?: string;
  /**
   * GoTrue's JWT_KEYS: the auth server signs with the key whose key_ops has "sign" and publishes
   * the public keys in its JWKS, which the LangGraph server verifies with (e.g. the demo's own
   * ES256 key, so it can sign tokens the server would issue). Sent in the child's environment as
   * GOTRUE_JWT_KEYS, never argv; beats a GOTRUE_JWT_KEYS in `gotrue`.
   */
  jwtKeys?: JsonWebKey[];
  /** Access-token lifetime of the auth server, seconds (default 3600; the demo uses a short one). */
  accessTokenTtl?: number;
  /** Start the local OpenID provider as OAuth provider "local" in the auth child (default true). */
  oidc?: boolean;
  /**
   * The auth server's GoTrue settings, GOTRUE_* names and values (loadSupabaseAuthConfig's
   * `gotrue`); the explicit options above beat them. GOTRUE_* of `env` are not passed on.
   */
  gotrue?: Record<string, string>;
  /** Start the LangGraph server without our Auth (benchmarks only). */
  withoutAuth?: boolean;
  /** Extra environment for the LangGraph server (e.g. AUTH_REVOCATION_INTERVAL). */
  langgraphEnv?: NodeJS.ProcessEnv;
  launcher?: LangGraphLauncher;
  /** LangGraph run workers (default 4). */
  nWorkers?: number;
  log?: (name: ServiceName, line: string) => void;
  readyTimeoutMs?: number;
  /** Base environment for both children (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Aborting while the stack starts stops whatever has started and rejects with StackAbortedError. */
  signal?: AbortSignal;
  /** Start the LangGraph server with empty stores, its snapshots moved aside (`lgauth dev --reset-data`). */
  resetData?: boolean;
  /** Tests only: the LangGraph server keeps the stock server's persistence (to show what it loses). */
  stockStorage?: boolean;
  /** Lines a child has for the person running the stack (a snapshot recovered), shown also without `log`. */
  notice?: (name: ServiceName, line: string) => void;
  /** Recorded in the state file: started with `lgauth dev --detach`, writing to this log. */
  detached?: boolean;
  logFile?: string;
}

export interface Stack {
  supabaseUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string | undefined;
  /** The local OpenID provider's issuer (OAuth provider "local"); undefined with `oidc: false`. */
  oidcIssuer: string | undefined;
  /** Undefined with `only: "auth"`. */
  langgraphUrl: string | undefined;
  dataDir: string;
  pids: { auth: number; langgraph: number | undefined };
  /** Resolves with the first child that exits before stop() was called. */
  died: Promise<ServiceExit>;
  stop(): Promise<void>;
}

export class StackStartError extends Error {
  readonly service: ServiceName;
  /** Set when the child named its failure, e.g. "snapshot_unreadable" (src/stack/snapshots.ts). */
  readonly code: string | undefined;
  constructor(service: ServiceName, message: string, code?: string) {
    super(message);
    this.name = "StackStartError";
    this.service = service;
    this.code = code;
  }
}

export class StackAbortedError extends Error {
  constructor() {
    super("the stack was stopped while starting");
    this.name = "StackAbortedError";
  }
}

/** Environment variables the LangGraph server reads (src/server/settings.ts) that we set. */
const WIRED_ENV = [
  "SUPABASE_URL",
  "SUPABASE_ANON_KEY",
  "SUPABASE_SERVICE_KEY",
  "SUPABASE_JWT_SECRET",
  "SUPABASE_JWT_ISSUER",
  "SUPABASE_JWT_AUDIENCE",
  "AUTH_VERIFY",
];

function raceWithDeath<T>(ready: Promise<T>, others: Service<unknown>[], aborted?: Promise<never>): Promise<T> {
  return Promise.race([
    ready,
    ...(aborted ? [aborted] : []),
    ...others.map((s) =>
      s.exited.then((exit): never => {
        throw new StackStartError(s.name, exit.reason, exit.failure);
      }),
    ),
  ]);
}

/**
 * The servers of an `lgauth dev` that was killed stop themselves within a second or two (they
 * watch their parent); a restart right after waits for them instead of failing on their ports
 * or opening the auth database they still hold.
 */
async function waitForEarlierChildren(dataDir: string, timeoutMs = 5_000): Promise<void> {
  const earlier = readStackState(dataDir);
  if (!earlier || earlier.pid === process.pid) return;
  // still one of our servers (a pid of a crash long ago may belong to another program now)
  const ours = (pid: number) => processRunning(pid) && /stack[/\\](auth|langgraph)-entry/.test(commandLine(pid));
  const pids = [earlier.pids.auth, earlier.pids.langgraph].filter((p): p is number => p !== null);
  const deadline = Date.now() + timeoutMs;
  while (pids.some(ours)) {
    if (Date.now() > deadline) {
      const pid = pids.find(ours);
      throw new StackStartError(
        "auth",
        `a server of an earlier lgauth dev (pid ${pid}) is still running on ${dataDir}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await removeStackState(dataDir, earlier.pid);
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? "127.0.0.1";
  const authPort = options.authPort ?? 54321;
  const langgraphPort = options.langgraphPort ?? 2024;
  const baseEnv = options.env ?? process.env;
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const dataDir = resolve(options.dataDir ?? defaultDataDir(baseEnv));

  ensureOwnDir(dataDir); // this user's alone, or refused (data-dir.ts)
  // one stack per data directory, before anything else: a second `lgauth dev` says so instead
  // of failing on a port or on the databases the first one holds
  const lock = await lockDataDir(dataDir);
  try {
    await waitForEarlierChildren(dataDir);
    // every port problem is reported before anything starts
    await ensurePortFree(host, authPort, SERVICE_LABEL.auth);
    if (options.only !== "auth") await ensurePortFree(host, langgraphPort, SERVICE_LABEL.langgraph);
  } catch (err) {
    await lock.release();
    throw err;
  }

  const authDir = join(dataDir, "auth");
  const langgraphDir = join(dataDir, "langgraph");
  if (!options.authInMemory) await ensurePrivateDir(authDir);
  if (options.only !== "auth") await mkdir(langgraphDir, { recursive: true, mode: 0o700 });

  const services: Service<unknown>[] = [];
  const aborted = new Promise<never>((_, reject) => {
    if (options.signal?.aborted) reject(new StackAbortedError());
    options.signal?.addEventListener("abort", () => reject(new StackAbortedError()), { once: true });
  });
  aborted.catch(() => {});
  const stopAll = async () => {
    // both at once: the LangGraph server flushes its snapshots, the auth server closes its
    // database; neither needs the other for that (a closed terminal gives us about a second)
    await Promise.all(services.map((s) => s.stop()));
    await removeStackState(dataDir, process.pid).catch(() => {});
    await lock.release();
  };

  try {
    const gotrue = options.jwtKeys
      ? { ...options.gotrue, GOTRUE_JWT_KEYS: JSON.stringify(options.jwtKeys) }
      : options.gotrue;
    const auth = startAuthService({
      host,
      port: authPort,
      dataDir: options.authInMemory ? undefined : authDir,
      jwtSecret: options.jwtSecret,
      ...(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}),
      ...(options.oidc === false ? { oidc: false } : {}),
      ...(gotrue ? { gotrue } : {}),
      env: baseEnv,
      log: options.log,
      readyTimeoutMs,
    });
    services.push(auth as Service<unknown>);

    // The LangGraph server is spawned at once and imports its modules (most of its boot
    // time) while the auth server boots; it gets the auth server's URL and keys on stdin.
    const launcher = options.launcher ?? "startServer";
    const early = options.only !== "auth" && launcher === "startServer";
    const langgraphBase = {
      launcher,
      host,
      port: langgraphPort,
      cwd: langgraphDir,
      nWorkers: options.nWorkers ?? 4,
      withAuth: !options.withoutAuth,
      log: options.log,
      notice: options.notice,
      readyTimeoutMs,
      ...(options.resetData ? { resetData: true } : {}),
      ...(options.stockStorage ? { stockStorage: true } : {}),
    };
    const baseLangGraphEnv: NodeJS.ProcessEnv = { ...baseEnv };
    for (const key of WIRED_ENV) delete baseLangGraphEnv[key];
    let langgraph: Service<LangGraphReady> | undefined;
    if (early) {
      langgraph = await startLangGraphService({ ...langgraphBase, env: baseLangGraphEnv, waitForEnv: true });
      services.push(langgraph as Service<unknown>);
    }

    const authReady: AuthReady = await raceWithDeath(
      auth.ready.catch((err: Error) => {
        throw new StackStartError("auth", err.message);
      }),
      langgraph ? [langgraph as Service<unknown>] : [],
      aborted,
    );
    await raceWithDeath(
      waitUntilAnswers(`${authReady.url}/auth/v1/health`, readyTimeoutMs, { apikey: authReady.anonKey }),
      [auth],
      aborted,
    );

    let langgraphUrl: string | undefined;
    if (options.only !== "auth") {
      if (options.signal?.aborted) throw new StackAbortedError();
      const wired: Record<string, string> = {
        SUPABASE_URL: authReady.url,
        SUPABASE_ANON_KEY: authReady.anonKey,
        SUPABASE_SERVICE_KEY: authReady.serviceRoleKey,
        AUTH_VERIFY: options.authVerify ?? "jwks",
        ...(authReady.jwtSecret ? { SUPABASE_JWT_SECRET: authReady.jwtSecret } : {}),
      };
      for (const [k, v] of Object.entries(options.langgraphEnv ?? {})) if (v !== undefined) wired[k] = v;
      if (langgraph) {
        langgraph.send(JSON.stringify({ env: wired }));
      } else {
        langgraph = await startLangGraphService({ ...langgraphBase, env: { ...baseLangGraphEnv, ...wired } });
        services.push(langgraph as Service<unknown>);
      }
      const ready = await raceWithDeath(
        langgraph.ready.catch((err: Error) => {
          throw new StackStartError("langgraph", err.message, (err as { code?: string }).code);
        }),
        [auth],
        aborted,
      );
      langgraphUrl = ready.url;
      await raceWithDeath(waitUntilAnswers(`${langgraphUrl}/info`, readyTimeoutMs), [auth, langgraph], aborted);
    }

    await writeStackState({
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dataDir,
      supabaseUrl: authReady.url,
      anonKey: authReady.anonKey,
      serviceRoleKey: authReady.serviceRoleKey,
      langgraphUrl: langgraphUrl ?? null,
      oidcIssuer: authReady.oidcIssuer ?? null,
      pids: { auth: auth.pid, langgraph: langgraph?.pid ?? null },
      detached: options.detached ?? false,
      logFile: options.logFile ?? null,
    });

    const died = Promise.race(
      services.map((s) => s.exited.then((exit) => (s.stopping ? new Promise<ServiceExit>(() => {}) : exit))),
    );
    let stopped: Promise<void> | undefined;
    return {
      supabaseUrl: authReady.url,
      anonKey: authReady.anonKey,
      serviceRoleKey: authReady.serviceRoleKey,
      jwtSecret: authReady.jwtSecret,
      oidcIssuer: authReady.oidcIssuer,
      langgraphUrl,
      dataDir,
      pids: { auth: auth.pid, langgraph: langgraph?.pid },
      died,
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
