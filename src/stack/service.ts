/**
 * One supervised child process of the stack: spawned in its own process group, ready when it
 * prints its JSON ready line on stdout, stopped with SIGTERM (SIGKILL after a grace period),
 * and able to say why it died (exit code or signal plus its last log lines).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { killGroup } from "../util/process.js";

export type ServiceName = "auth" | "langgraph";

export const SERVICE_LABEL: Record<ServiceName, string> = {
  auth: "local Supabase Auth server",
  langgraph: "LangGraph server",
};

export interface ServiceExit {
  name: ServiceName;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** One line: how it ended and, when it did not say otherwise, its last log line. */
  reason: string;
  /** The code of a failure the child named (FATAL_PREFIX); `reason` is then its message. */
  failure?: string;
}

export interface Service<R> {
  name: ServiceName;
  pid: number;
  ready: Promise<R>;
  exited: Promise<ServiceExit>;
  /** True once stop() was called: an exit after that is not a death. */
  readonly stopping: boolean;
  stop(graceMs?: number): Promise<void>;
  recentLog(): string[];
  /** Writes one line to the child's stdin (only with `stdin: true`). */
  send(line: string): void;
}

export interface SpawnServiceOptions<R> {
  name: ServiceName;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Parses a stdout line; returns the ready value when the line is the ready line. */
  parseReady: (line: string) => R | undefined;
  /** Also tried on every line: a known fatal message (e.g. EADDRINUSE) to report as the reason. */
  explain?: (line: string) => string | undefined;
  log?: (name: ServiceName, line: string) => void;
  /** NOTICE_PREFIX lines, without the prefix (always, also without `log`). */
  notice?: (name: ServiceName, line: string) => void;
  readyTimeoutMs?: number;
  /** The child reads lines from stdin (send()); stdin is a pipe for every child either way. */
  stdin?: boolean;
}

/**
 * Lines a child writes for the person running the stack, shown whether or not its log is:
 * `lgauth-notice: <text>` (e.g. a snapshot recovered), and `lgauth-fatal <code>: <text>` just
 * before it exits on a failure it can name (the reason reported, with the code, as it is).
 */
export const NOTICE_PREFIX = "lgauth-notice: ";
export const FATAL_PREFIX = "lgauth-fatal ";
const FATAL = /^lgauth-fatal ([a-z_]+): (.*)$/;

/** A child's start-up failure; `code` when the child named it (a FATAL_PREFIX line). */
export class ServiceStartError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "ServiceStartError";
    this.code = code;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes from child logs
const ANSI = /\u001b\[[0-9;]*m/g;

export function spawnService<R>(opts: SpawnServiceOptions<R>): Service<R> {
  const child: ChildProcess = spawn(process.execPath, opts.args, {
    env: opts.env,
    cwd: opts.cwd,
    detached: true, // own process group: stop() reaches anything it starts
    // stdin is always a pipe: it is how the child learns that this process is gone (orphan.ts)
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start the ${SERVICE_LABEL[opts.name]}`);
  child.stdin?.on("error", () => {}); // a child that died before reading: reported through `exited`
  const pid = child.pid;
  const log: string[] = [];
  let explained: string | undefined;
  let fatalCode: string | undefined;
  let stopping = false;
  let isReady = false;

  const remember = (raw: string) => {
    const line = raw.replace(ANSI, "").trimEnd();
    if (line === "") return;
    log.push(line);
    if (log.length > 40) log.shift();
    const fatal = FATAL.exec(line);
    if (fatal) {
      fatalCode = fatal[1];
      explained = fatal[2];
    }
    explained ??= opts.explain?.(line);
    if (line.startsWith(NOTICE_PREFIX)) opts.notice?.(opts.name, line.slice(NOTICE_PREFIX.length));
    opts.log?.(opts.name, line);
  };

  let resolveReady!: (value: R) => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<R>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {}); // observed through exited as well

  const onLine = (line: string) => {
    if (!isReady) {
      const value = opts.parseReady(line);
      if (value !== undefined) {
        isReady = true;
        resolveReady(value);
        return; // the ready line may carry keys: never logged
      }
    }
    remember(line);
  };
  createInterface({ input: child.stdout! }).on("line", onLine);
  createInterface({ input: child.stderr! }).on("line", onLine);

  const exited = new Promise<ServiceExit>((resolve) => {
    child.once("exit", (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = explained ?? log[log.length - 1];
      const reason =
        fatalCode && explained
          ? explained
          : `${SERVICE_LABEL[opts.name]} ${how}${last ? `: ${last.slice(0, 300)}` : ""}`;
      const result: ServiceExit = {
        name: opts.name,
        code,
        signal,
        reason,
        ...(fatalCode ? { failure: fatalCode } : {}),
      };
      if (!isReady) {
        rejectReady(
          fatalCode
            ? new ServiceStartError(explained ?? how, fatalCode)
            : new ServiceStartError(`${SERVICE_LABEL[opts.name]} failed to start: ${explained ?? how}`),
        );
      }
      resolve(result);
    });
  });
  child.once("error", (err) => {
    if (!isReady) rejectReady(new Error(`could not start the ${SERVICE_LABEL[opts.name]}: ${err.message}`));
  });

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const timer = setTimeout(() => {
    if (!isReady) {
      rejectReady(new Error(`${SERVICE_LABEL[opts.name]} was not ready after ${Math.round(timeoutMs / 1000)} s`));
    }
  }, timeoutMs);
  timer.unref();
  ready.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );

  let exitedNow = false;
  exited.then(() => {
    exitedNow = true;
  });

  return {
    name: opts.name,
    pid,
    ready,
    exited,
    get stopping() {
      return stopping;
    },
    recentLog: () => [...log],
    send(line: string) {
      child.stdin?.write(`${line}\n`);
    },
    async stop(graceMs = 8_000) {
      stopping = true;
      if (exitedNow) return;
      killGroup(pid, "SIGTERM");
      const force = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(force);
      try {
        process.kill(-pid, "SIGKILL"); // anything left in its group
      } catch {
        // the group is empty
      }
    },
  };
}

/** Parses `{"ready":true,...}` lines. */
export function readyJson<R>(line: string): R | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line) as { ready?: unknown };
    return value.ready === true ? (value as R) : undefined;
  } catch {
    return undefined;
  }
}
