/**
 * `lgauth dev status | stop | logs`: the stack of a data directory (default
 * ~/.local/share/lgauth/stack), whether started with --detach or in a terminal. Who runs it
 * comes from the data directory's lock (src/stack/lock.ts: the holder's pid, and nobody once it
 * is gone, however it ended); its URLs, keys and log from its state file (src/stack/state.ts).
 */
import { createReadStream, statSync } from "node:fs";
import { request } from "node:http";
import { resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { devLogFile } from "../../stack/dev-log.js";
import { assertOwnDir, defaultDataDir, lockHolder, readStackState, type StackState } from "../../stack/index.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { CliError, ExitCode } from "../errors.js";
import { paint } from "../output.js";
import { devCommand } from "./dev.js";

export interface DevServiceOptions {
  dataDir?: string;
  follow?: boolean;
}

export function dataDirOf(opts: { dataDir?: string }, env: NodeJS.ProcessEnv): string {
  return opts.dataDir ? resolve(opts.dataDir) : defaultDataDir(env);
}

/**
 * Without --data-dir a command looks at the default data directory. When no stack runs there
 * but the one profiles follow (saved in the config by the last `lgauth dev`, e.g. started with
 * --data-dir) does, the words that point at it; else "".
 */
export async function runningElsewhere(
  ctx: Context,
  opts: { dataDir?: string },
  dataDir: string,
  sub: string,
): Promise<string> {
  if (opts.dataDir) return "";
  const followed = await ctx.config.load().then(
    (c) => c.defaults.localStack,
    () => undefined,
  );
  if (!followed || resolve(followed) === dataDir || !(await lockHolder(followed, 500))) return "";
  return `the stack your profiles follow runs in ${followed}: \`${devCommand(sub, followed)}\``;
}

/** HTTP status of a GET within 2 s, or why not (node:http: these are loopback servers). */
function answers(url: string, headers: Record<string, string> = {}): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = request(url, { headers, timeout: 2_000, agent: false }, (res) => {
      res.resume();
      const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
      resolve({ ok, detail: `HTTP ${res.statusCode}` });
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 2 s")));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, detail: err.code ?? err.message }));
    req.end();
  });
}

function uptime(startedAt: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const devStatus: Action<[], DevServiceOptions> = async (ctx, _args, opts) => {
  const dataDir = dataDirOf(opts, ctx.env);
  const holder = await lockHolder(dataDir);
  const state = holder ? readStackState(dataDir) : undefined;
  const current: StackState | undefined = state && state.pid === holder?.pid ? state : undefined;
  if (!holder) {
    if (ctx.json) ctx.io.printJson({ running: false, data_dir: dataDir });
    else
      ctx.io.print(
        `lgauth dev: not running (data directory ${dataDir}); ${(await runningElsewhere(ctx, opts, dataDir, "status")) || `start it with \`${devCommand("--detach", dataDir)}\``}`,
      );
    return ExitCode.error;
  }
  if (!current) {
    if (ctx.json) ctx.io.printJson({ running: true, ready: false, pid: holder.pid || null, data_dir: dataDir });
    else ctx.io.print(`lgauth dev: starting (pid ${holder.pid || "unknown"}, data directory ${dataDir})`);
    return ExitCode.error;
  }
  const [auth, langgraph] = await Promise.all([
    answers(`${current.supabaseUrl}/auth/v1/health`, { apikey: current.anonKey }),
    current.langgraphUrl ? answers(`${current.langgraphUrl}/info`) : Promise.resolve(undefined),
  ]);
  const healthy = auth.ok && (langgraph?.ok ?? true);
  if (ctx.json) {
    ctx.io.printJson({
      running: true,
      ready: true,
      answers: healthy,
      pid: current.pid,
      started_at: current.startedAt,
      uptime_seconds: Math.round((Date.now() - Date.parse(current.startedAt)) / 1000),
      detached: current.detached,
      data_dir: dataDir,
      log_file: current.logFile,
      supabase: { url: current.supabaseUrl, answers: auth.ok, detail: auth.detail },
      langgraph: current.langgraphUrl
        ? { url: current.langgraphUrl, answers: langgraph?.ok ?? false, detail: langgraph?.detail ?? null }
        : null,
      supabase_anon_key: current.anonKey,
      supabase_service_key: current.serviceRoleKey,
      oidc_issuer: current.oidcIssuer,
      pids: current.pids,
    });
    return healthy ? ExitCode.ok : ExitCode.error;
  }
  const c = ctx.color;
  const mark = (a: { ok: boolean; detail: string }) =>
    a.ok ? paint(c, "green", "answers") : paint(c, "red", `does not answer (${a.detail})`);
  ctx.io.print(
    `lgauth dev: running${current.detached ? " in the background" : " in a terminal"} (pid ${current.pid}, up ${uptime(current.startedAt)})`,
  );
  ctx.io.print(`  Supabase URL       ${current.supabaseUrl}  ${mark(auth)}`);
  if (current.langgraphUrl && langgraph)
    ctx.io.print(`  LangGraph URL      ${current.langgraphUrl}  ${mark(langgraph)}`);
  ctx.io.print(`  anon key           ${current.anonKey}`);
  ctx.io.print(`  service role key   ${current.serviceRoleKey}  (server side only)`);
  if (current.oidcIssuer) ctx.io.print(`  OpenID provider    ${current.oidcIssuer}`);
  ctx.io.print(`  data directory     ${dataDir}`);
  if (current.logFile) ctx.io.print(`  log                ${current.logFile}  (\`${devCommand("logs -f", dataDir)}\`)`);
  return healthy ? ExitCode.ok : ExitCode.error;
};

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

export const devStop: Action<[], DevServiceOptions> = async (ctx, _args, opts) => {
  const dataDir = dataDirOf(opts, ctx.env);
  const holder = await lockHolder(dataDir);
  if (!holder) {
    if (ctx.json) ctx.io.printJson({ stopped: false, running: false, data_dir: dataDir });
    else
      ctx.io.print(
        `lgauth dev: not running (data directory ${dataDir})${await runningElsewhere(ctx, opts, dataDir, "stop").then((w) => (w ? `; ${w}` : ""))}`,
      );
    return ExitCode.ok;
  }
  if (!holder.pid) throw new CliError(`something holds ${dataDir} but does not say its pid; stop it by hand`);
  try {
    process.kill(holder.pid, "SIGTERM");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") {
      throw new CliError(`cannot stop lgauth dev (pid ${holder.pid}): ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  // it flushes the LangGraph snapshots and stops both servers, then lets go of the data directory
  if (!(await until(async () => (await lockHolder(dataDir)) === undefined, 30_000))) {
    throw new CliError(`lgauth dev (pid ${holder.pid}) did not stop within 30 s`, {
      hint: `\`${devCommand("logs", dataDir)}\` may say why`,
    });
  }
  if (ctx.json) ctx.io.printJson({ stopped: true, pid: holder.pid, data_dir: dataDir });
  else ctx.io.print(`lgauth dev: stopped (pid ${holder.pid})`);
  return ExitCode.ok;
};

/** Copies `path` from byte `offset` to stdout; resolves with the offset reached. */
function copy(ctx: Context, path: string, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(path, { start: offset });
    const text = new StringDecoder("utf8"); // a chunk may end inside a character
    let at = offset;
    stream.on("data", (chunk: Buffer | string) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      at += bytes.length;
      ctx.io.write(text.write(bytes));
    });
    stream.on("end", () => resolve(at));
    stream.on("error", reject);
  });
}

export const devLogs: Action<[], DevServiceOptions> = async (ctx, _args, opts) => {
  const dataDir = dataDirOf(opts, ctx.env);
  assertOwnDir(dataDir); // a log in a directory others can write may be theirs
  const path = readStackState(dataDir)?.logFile ?? devLogFile(dataDir);
  if (!statSync(path, { throwIfNoEntry: false })) {
    throw new CliError(`no log in ${dataDir}`, {
      hint: `only a stack started with \`${devCommand("--detach", dataDir)}\` writes one; in a terminal, \`lgauth dev --debug\` prints both servers' logs`,
    });
  }
  let offset = await copy(ctx, path, 0);
  if (!opts.follow) return ExitCode.ok;
  // -f: new lines as they come, until the stack stops (or Ctrl+C)
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    if (size < offset) offset = 0; // rotated by a new start
    if (size > offset) offset = await copy(ctx, path, offset);
    if (!(await lockHolder(dataDir, 500))) {
      const last = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
      if (last > offset) await copy(ctx, path, offset);
      return ExitCode.ok;
    }
  }
};
