/**
 * `lgauth dev`: the local stack. Starts the local Supabase Auth server and the LangGraph server
 * (src/stack), makes the stack the config default (every profile that names no servers of its
 * own follows it, see saveDefaults), prints its URLs and keys (and the local OpenID provider with
 * its demo account, for `lgauth login --provider local`), and runs until SIGINT, SIGTERM or
 * SIGHUP (a closed terminal): a clean stop, exit 0; or until a child dies (the other is
 * stopped, exit 1 naming the one that died and why).
 *
 * With --detach (dev-detach.ts) the same runs in the background: this action then runs in a
 * detached process ("supervised"), its output going to `<data dir>/dev.log`, and tells the
 * `lgauth dev --detach` that started it when it is ready through a pipe (READY_FD_ENV).
 */
import { closeSync, existsSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { DEMO_OIDC_EMAIL, DEMO_OIDC_PASSWORD } from "../../local-oidc/demo.js";
import {
  findSupabaseConfig,
  loadSupabaseAuthConfig,
  SupabaseConfigError,
} from "../../local-supabase/supabase-config.js";
import { devLogFile, logLine } from "../../stack/dev-log.js";
import {
  DataDirInUseError,
  defaultDataDir,
  PortInUseError,
  type ServiceExit,
  type Stack,
  StackAbortedError,
  StackStartError,
  startStack,
} from "../../stack/index.js";
import { localStackServers } from "../../session/settings.js";
import { muteOutput } from "../../stack/orphan.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { paint } from "../output.js";

export interface DevOptions {
  dataDir?: string;
  /** Ports (0-65535, 0 = free; checked by the parser). */
  authPort: number;
  langgraphPort: number;
  only?: "auth";
  /** false with --no-oidc. */
  oidc?: boolean;
  /** --config: a Supabase CLI config.toml (default ./supabase/config.toml when present). */
  config?: string;
  /** AUTH_MFA for the LangGraph server; unset keeps the environment's (the server's default: enrolled). */
  mfa?: "off" | "enrolled" | "required";
  resetData?: boolean;
  detach?: boolean;
}

/** Set (to "3") in the environment of the process `lgauth dev --detach` starts: its ready pipe's fd. */
export const READY_FD_ENV = "LGAUTH_DEV_READY_FD";

/** What `lgauth dev` prints once ready, as one JSON line (--json) and for people. */
export interface StackInfo {
  supabaseUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  langgraphUrl: string | undefined;
  oidcIssuer: string | undefined;
  dataDir: string;
  /** Another stack's data directory, still running, that new logins followed until this one started. */
  replacedDefault?: string | undefined;
}

/** The data directory the flags name (absolute). */
export function devDataDir(opts: { dataDir?: string }): string {
  return opts.dataDir ? resolve(opts.dataDir) : defaultDataDir();
}

/** The auth server's GoTrue settings from the project's supabase/config.toml [auth], warnings printed. */
async function authSettings(
  opts: DevOptions,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<Record<string, string> | undefined> {
  const file = opts.config ?? findSupabaseConfig(process.cwd());
  if (file === undefined) return undefined;
  if (opts.config !== undefined && !existsSync(opts.config)) {
    throw new UsageError(`--config ${opts.config}: no such file`, "name a Supabase CLI config.toml");
  }
  try {
    const config = await loadSupabaseAuthConfig(file, env);
    say(`auth settings from ${config.file} [auth]`);
    for (const line of config.warnings) say(`warning: ${line}`);
    return config.gotrue;
  } catch (err) {
    if (!(err instanceof SupabaseConfigError)) throw err;
    throw new UsageError(err.message, opts.config ? "fix the file" : "fix the file, or name another one with --config");
  }
}

/** `lgauth dev <sub>`, with --data-dir when it is not the default one. */
export function devCommand(sub: string, dataDir: string): string {
  const dir = dataDir === defaultDataDir() ? "" : ` --data-dir ${/[^\w./-]/.test(dataDir) ? `'${dataDir}'` : dataDir}`;
  return `lgauth dev${sub ? ` ${sub}` : ""}${dir}`;
}

export function dataDirInUse(err: DataDirInUseError): CliError {
  return new CliError(err.message, {
    hint: `\`${devCommand("status", err.dataDir)}\` shows it, \`${devCommand("stop", err.dataDir)}\` stops it; or pass another --data-dir`,
  });
}

const LABEL = { auth: "local Supabase Auth server", langgraph: "LangGraph server" } as const;

interface Channels {
  /** Child log lines (--debug, or always when supervised). */
  log: ((name: string, line: string) => void) | undefined;
  /** lgauth dev's own progress lines ("lgauth dev: …" on stderr, or the log when supervised). */
  say: (line: string) => void;
  /** Lines for the person running the stack (a snapshot recovered); `log` has them too. */
  notice: (line: string) => void;
}

async function start(
  ctx: Context,
  opts: DevOptions,
  channels: Channels,
  signal: AbortSignal,
  logFile?: string,
): Promise<Stack | undefined> {
  const dataDir = devDataDir(opts);
  const gotrue = await authSettings(opts, ctx.env, channels.say);
  try {
    return await startStack({
      dataDir,
      authPort: opts.authPort,
      langgraphPort: opts.langgraphPort,
      only: opts.only,
      oidc: opts.oidc !== false,
      ...(gotrue ? { gotrue } : {}),
      ...(opts.mfa !== undefined ? { langgraphEnv: { AUTH_MFA: opts.mfa } } : {}),
      log: channels.log,
      notice: (_name, line) => channels.notice(line),
      resetData: opts.resetData === true,
      signal,
      ...(logFile ? { detached: true, logFile } : {}),
    });
  } catch (err) {
    if (err instanceof StackAbortedError) return undefined;
    if (err instanceof DataDirInUseError) throw dataDirInUse(err);
    if (err instanceof PortInUseError) {
      const flag = err.service.startsWith("LangGraph") ? "--langgraph-port" : "--auth-port";
      throw new CliError(err.message, { hint: `stop what uses port ${err.port}, or pass ${flag} 0 for a free port` });
    }
    if (err instanceof StackStartError && err.code === "snapshot_unreadable") {
      throw new CliError(err.message, {
        hint: `to start with no conversations instead, run \`${devCommand("", dataDir)} --reset-data\` (accounts are kept; the unreadable files stay aside)`,
      });
    }
    if (err instanceof StackStartError) {
      // the message already names the server and says how it failed
      throw new CliError(err.message, {
        hint: "run again with --debug to see its log",
      });
    }
    throw err;
  }
}

/**
 * Profiles without servers of their own follow this stack: the defaults name its data
 * directory, and its URLs are read from its state file at each command (they change when it
 * restarts on other ports). A login through them records the stack, not its URLs.
 */
async function saveDefaults(ctx: Context, stack: Stack): Promise<string | undefined> {
  let before: string | undefined;
  await ctx.config.update((config) => {
    before = config.defaults.localStack;
    config.defaults = { localStack: stack.dataDir };
  });
  // said when it changes what a running stack's users get: a stopped one's profiles log in again anyway
  return before !== undefined && before !== stack.dataDir && localStackServers(before) !== undefined
    ? before
    : undefined;
}

function stackInfo(stack: Stack): StackInfo {
  const { supabaseUrl, anonKey, serviceRoleKey, langgraphUrl, oidcIssuer, dataDir } = stack;
  return { supabaseUrl, anonKey, serviceRoleKey, langgraphUrl, oidcIssuer, dataDir };
}

/** The --json line (also what the background process hands to `lgauth dev --detach`). */
export function readyDocument(info: StackInfo, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    supabase_url: info.supabaseUrl,
    supabase_anon_key: info.anonKey,
    supabase_service_key: info.serviceRoleKey,
    langgraph_url: info.langgraphUrl ?? null,
    oidc_issuer: info.oidcIssuer ?? null,
    oidc_demo_email: info.oidcIssuer ? DEMO_OIDC_EMAIL : null,
    oidc_demo_password: info.oidcIssuer ? DEMO_OIDC_PASSWORD : null,
    data_dir: info.dataDir,
    mail: devCommand("mail", info.dataDir),
    replaced_default_stack: info.replacedDefault ?? null,
    ...extra,
  };
}

export function printForPeople(ctx: Context, info: StackInfo, seconds: string, detachedPid?: number): void {
  const color = ctx.color;
  const printLine = (line = "") => ctx.io.print(line);
  const key = (s: string) => paint(color, "bold", s);
  printLine(paint(color, "green", `lgauth dev: local stack ready in ${seconds} s (development only, binds loopback)`));
  printLine();
  printLine(`  ${key("Supabase URL")}       ${info.supabaseUrl}`);
  printLine(`  ${key("anon key")}           ${info.anonKey}`);
  printLine(`  ${key("service role key")}   ${info.serviceRoleKey}  (server side only)`);
  if (info.langgraphUrl) printLine(`  ${key("LangGraph URL")}      ${info.langgraphUrl}`);
  if (info.oidcIssuer) {
    printLine(`  ${key("OpenID provider")}    ${info.oidcIssuer}  (lgauth login --provider local)`);
    printLine(`  ${key("demo account")}       ${DEMO_OIDC_EMAIL} / ${DEMO_OIDC_PASSWORD}  (local provider only)`);
  }
  printLine(`  ${key("mail")}               not sent: \`${devCommand("mail", info.dataDir)}\` shows codes and links`);
  printLine(`  ${key("data directory")}     ${info.dataDir}`);
  printLine();
  printLine(
    info.replacedDefault
      ? `Profiles without servers of their own now follow this stack, not the one still running in ${info.replacedDefault} (profiles logged in there stay with it). Try:`
      : "Profiles without servers of their own follow this stack, also when it restarts on other ports. Try:",
  );
  printLine("  lgauth signup --email alice@example.com");
  if (detachedPid === undefined) {
    printLine("Press Ctrl+C to stop.");
  } else {
    printLine(
      `Running in the background (pid ${detachedPid}): \`${devCommand("status", info.dataDir)}\`, \`${devCommand("logs -f", info.dataDir)}\`, \`${devCommand("stop", info.dataDir)}\`.`,
    );
  }
}

/** The ready pipe of a background `lgauth dev` (see dev-detach.ts); undefined in the foreground. */
function readyPipe(env: NodeJS.ProcessEnv): { send(value: Record<string, unknown>): void; close(): void } | undefined {
  const fd = Number(env[READY_FD_ENV]);
  if (!Number.isInteger(fd) || fd < 3) return undefined;
  let open = true;
  return {
    send(value) {
      if (!open) return;
      try {
        writeSync(fd, `${JSON.stringify(value)}\n`);
      } catch {
        open = false; // `lgauth dev --detach` is gone (Ctrl+C while it waited): carry on
      }
    },
    close() {
      if (!open) return;
      open = false;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}

export const dev: Action<[], DevOptions> = async (ctx, args, opts) => {
  if (opts.detach) {
    const { detach } = await import("./dev-detach.js");
    return detach(ctx, args, opts);
  }
  const began = Date.now();
  const pipe = readyPipe(ctx.env);
  const supervised = pipe !== undefined;
  // signals are ours from the start: a Ctrl+C while the servers boot still stops them. SIGHUP
  // (the terminal closed) stops the stack the same way; nothing is there to read our output then
  const abort = new AbortController();
  const stopped = new Promise<NodeJS.Signals>((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signal === "SIGHUP" && !supervised) muteOutput();
      abort.abort();
      resolveSignal(signal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.once("SIGHUP", onSignal);
  });
  // supervised, stdout and stderr are the log file
  const say = supervised
    ? (line: string) => ctx.io.write(logLine("lgauth dev", line))
    : (line: string) => ctx.io.note(`lgauth dev: ${line}`);
  const channels: Channels = {
    log: supervised
      ? (name, line) => ctx.io.write(logLine(name, line))
      : ctx.debug
        ? (name, line) => ctx.io.note(`[${name}] ${line}`)
        : undefined,
    say,
    notice: (line) => {
      if (pipe) pipe.send({ notice: line });
      else if (!ctx.debug) ctx.io.note(`lgauth dev: ${line}`); // with --debug, the log line says it
    },
  };
  if (supervised) say(`starting (pid ${process.pid})`);
  const logFile = supervised ? devLogFile(devDataDir(opts)) : undefined;
  const stack = await start(ctx, opts, channels, abort.signal, logFile);
  if (!stack) {
    say("stopped before it was ready");
    return 0;
  }

  let info: StackInfo;
  try {
    info = { ...stackInfo(stack), replacedDefault: await saveDefaults(ctx, stack) };
  } catch (err) {
    await stack.stop();
    throw err;
  }

  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  if (pipe) {
    pipe.send({ ready: readyDocument(info, { pid: process.pid }), seconds });
    pipe.close();
    say(
      `ready in ${seconds} s: Supabase URL ${stack.supabaseUrl}${stack.langgraphUrl ? `, LangGraph URL ${stack.langgraphUrl}` : ""}, data directory ${stack.dataDir}`,
    );
  } else if (ctx.json) {
    ctx.io.write(`${JSON.stringify(readyDocument(info))}\n`);
  } else {
    printForPeople(ctx, info, seconds);
  }

  const outcome = await Promise.race([stopped, stack.died]);
  if (typeof outcome === "string" || abort.signal.aborted) {
    say(`stopping (${typeof outcome === "string" ? outcome : "signal"})…`);
    await stack.stop();
    say("stopped");
    return 0;
  }
  const death = outcome as ServiceExit;
  await stack.stop();
  throw new CliError(`the ${LABEL[death.name]} stopped unexpectedly; stopped the rest of the stack (${death.reason})`, {
    hint: supervised
      ? `\`${devCommand("logs", stack.dataDir)}\` shows both servers' logs`
      : "run `lgauth dev --debug` to see both servers' logs",
  });
};
