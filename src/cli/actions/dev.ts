/**
 * `lgauth dev`: the local stack in the foreground. Starts the local Supabase Auth server and
 * the LangGraph server (src/stack), makes the stack the config default (every profile that
 * names no servers of its own follows it, see saveDefaults), prints them (and the local OpenID
 * provider with its demo account, for `lgauth login --provider local`), and runs until
 * SIGINT/SIGTERM (clean stop, exit 0) or until a child dies (the other is stopped, exit 1
 * naming the one that died and why).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { DEMO_OIDC_EMAIL, DEMO_OIDC_PASSWORD } from "../../local-oidc/demo.js";
import {
  findSupabaseConfig,
  loadSupabaseAuthConfig,
  SupabaseConfigError,
} from "../../local-supabase/supabase-config.js";
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
}

/** The auth server's GoTrue settings from the project's supabase/config.toml [auth], warnings printed. */
async function authSettings(ctx: Context, opts: DevOptions): Promise<Record<string, string> | undefined> {
  const file = opts.config ?? findSupabaseConfig(process.cwd());
  if (file === undefined) return undefined;
  if (opts.config !== undefined && !existsSync(opts.config)) {
    throw new UsageError(`--config ${opts.config}: no such file`, "name a Supabase CLI config.toml");
  }
  try {
    const config = await loadSupabaseAuthConfig(file, ctx.env);
    ctx.io.note(`lgauth dev: auth settings from ${config.file} [auth]`);
    for (const line of config.warnings) ctx.io.note(`lgauth dev: warning: ${line}`);
    return config.gotrue;
  } catch (err) {
    if (!(err instanceof SupabaseConfigError)) throw err;
    throw new UsageError(err.message, opts.config ? "fix the file" : "fix the file, or name another one with --config");
  }
}

const LABEL = { auth: "local Supabase Auth server", langgraph: "LangGraph server" } as const;

async function start(ctx: Context, opts: DevOptions, signal: AbortSignal): Promise<Stack | undefined> {
  const gotrue = await authSettings(ctx, opts);
  try {
    return await startStack({
      dataDir: opts.dataDir ? resolve(opts.dataDir) : defaultDataDir(),
      authPort: opts.authPort,
      langgraphPort: opts.langgraphPort,
      only: opts.only,
      oidc: opts.oidc !== false,
      ...(gotrue ? { gotrue } : {}),
      ...(opts.mfa !== undefined ? { langgraphEnv: { AUTH_MFA: opts.mfa } } : {}),
      log: ctx.debug ? (name, line) => ctx.io.note(`[${name}] ${line}`) : undefined,
      signal,
    });
  } catch (err) {
    if (err instanceof StackAbortedError) return undefined;
    if (err instanceof DataDirInUseError) {
      throw new CliError(err.message, {
        hint: "stop that one first, or pass another --data-dir",
      });
    }
    if (err instanceof PortInUseError) {
      const flag = err.service.startsWith("LangGraph") ? "--langgraph-port" : "--auth-port";
      throw new CliError(err.message, { hint: `stop what uses port ${err.port}, or pass ${flag} 0 for a free port` });
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
async function saveDefaults(ctx: Context, stack: Stack): Promise<void> {
  await ctx.config.update((config) => {
    config.defaults = { localStack: stack.dataDir };
  });
}

function printForPeople(ctx: Context, stack: Stack, color: boolean, seconds: string): void {
  const key = (s: string) => paint(color, "bold", s);
  ctx.io.print(
    paint(color, "green", `lgauth dev: local stack ready in ${seconds} s (development only, binds loopback)`),
  );
  ctx.io.print();
  ctx.io.print(`  ${key("Supabase URL")}       ${stack.supabaseUrl}`);
  ctx.io.print(`  ${key("anon key")}           ${stack.anonKey}`);
  ctx.io.print(`  ${key("service role key")}   ${stack.serviceRoleKey}  (server side only)`);
  if (stack.langgraphUrl) ctx.io.print(`  ${key("LangGraph URL")}      ${stack.langgraphUrl}`);
  if (stack.oidcIssuer) {
    ctx.io.print(`  ${key("OpenID provider")}    ${stack.oidcIssuer}  (lgauth login --provider local)`);
    ctx.io.print(`  ${key("demo account")}       ${DEMO_OIDC_EMAIL} / ${DEMO_OIDC_PASSWORD}  (local provider only)`);
  }
  ctx.io.print(`  ${key("data directory")}     ${stack.dataDir}`);
  ctx.io.print();
  ctx.io.print("Profiles without servers of their own follow this stack, also when it restarts on other ports. Try:");
  ctx.io.print("  lgauth signup --email alice@example.com");
  ctx.io.print("Press Ctrl+C to stop.");
}

export const dev: Action<[], DevOptions> = async (ctx, _args, opts) => {
  const began = Date.now();
  // signals are ours from the start: a Ctrl+C while the servers boot still stops them
  const abort = new AbortController();
  const stopped = new Promise<NodeJS.Signals>((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals) => {
      abort.abort();
      resolveSignal(signal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
  const stack = await start(ctx, opts, abort.signal);
  if (!stack) {
    if (!ctx.json) ctx.io.note("lgauth dev: stopped before it was ready");
    return 0;
  }

  try {
    await saveDefaults(ctx, stack);
  } catch (err) {
    await stack.stop();
    throw err;
  }

  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  if (ctx.json) {
    ctx.io.write(
      `${JSON.stringify({
        supabase_url: stack.supabaseUrl,
        supabase_anon_key: stack.anonKey,
        supabase_service_key: stack.serviceRoleKey,
        langgraph_url: stack.langgraphUrl ?? null,
        oidc_issuer: stack.oidcIssuer ?? null,
        oidc_demo_email: stack.oidcIssuer ? DEMO_OIDC_EMAIL : null,
        oidc_demo_password: stack.oidcIssuer ? DEMO_OIDC_PASSWORD : null,
        data_dir: stack.dataDir,
      })}\n`,
    );
  } else {
    printForPeople(ctx, stack, ctx.color, seconds);
  }

  const outcome = await Promise.race([stopped, stack.died]);
  if (typeof outcome === "string" || abort.signal.aborted) {
    if (!ctx.json) ctx.io.note("lgauth dev: stopping…");
    await stack.stop();
    if (!ctx.json) ctx.io.note("lgauth dev: stopped");
    return 0;
  }
  const death = outcome as ServiceExit;
  await stack.stop();
  throw new CliError(`the ${LABEL[death.name]} stopped unexpectedly; stopped the rest of the stack (${death.reason})`, {
    hint: "run `lgauth dev --debug` to see both servers' logs",
  });
};
