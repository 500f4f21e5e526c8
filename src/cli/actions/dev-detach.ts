/**
 * `lgauth dev --detach`, as `supabase start` is: starts `lgauth dev` in the background (its own
 * session, no terminal; output to `<data dir>/dev.log`) and returns once the stack is ready,
 * printing the same banner or --json line as the foreground. The background process reports on
 * a pipe (fd 3): notices (a snapshot recovered) and then its ready document; when it exits
 * before that, its last `lgauth: …` line in the log is this command's error.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { openDevLog } from "../../stack/dev-log.js";
import { DataDirInUseError, ensureOwnDir, lockHolder } from "../../stack/index.js";
import type { Action } from "../command-kit.js";
import { CliError, UsageError } from "../errors.js";
import { type DevOptions, dataDirInUse, devDataDir, printForPeople, READY_FD_ENV } from "./dev.js";

const READY_TIMEOUT_MS = 120_000;

interface ReadyMessage {
  ready?: Record<string, unknown> & { pid: number };
  seconds?: string;
  notice?: string;
}

/** The last `lgauth: …` line the background process wrote to its log (its error). */
function lastError(path: string, offset: number): string | undefined {
  try {
    const text = readFileSync(path).subarray(offset).toString("utf8");
    const lines = text.split("\n").filter((l) => l.startsWith("lgauth: "));
    return lines[lines.length - 1]?.slice("lgauth: ".length);
  } catch {
    return undefined;
  }
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export const detach: Action<[], DevOptions> = async (ctx, _args, opts) => {
  const dataDir = devDataDir(opts);
  ensureOwnDir(dataDir);
  const holder = await lockHolder(dataDir);
  if (holder) throw dataDirInUse(new DataDirInUseError(dataDir, holder.pid || undefined));

  const log = openDevLog(dataDir);
  const args = [
    "dev",
    "--data-dir",
    dataDir,
    "--auth-port",
    String(opts.authPort),
    "--langgraph-port",
    String(opts.langgraphPort),
    ...(opts.only ? ["--only", opts.only] : []),
    ...(opts.oidc === false ? ["--no-oidc"] : []),
    ...(opts.config ? ["--config", resolve(opts.config)] : []),
    ...(opts.mfa ? ["--mfa", opts.mfa] : []),
    ...(opts.resetData ? ["--reset-data"] : []),
  ];
  const entry = process.argv[1];
  if (!entry) throw new CliError("cannot tell how lgauth was started, so it cannot start itself in the background");
  const child = spawn(process.execPath, [entry, ...args], {
    detached: true, // its own session: no terminal, no SIGHUP when this one closes
    stdio: ["ignore", log.fd, log.fd, "pipe"],
    env: { ...ctx.env, [READY_FD_ENV]: "3" },
  });
  log.close();
  const pipe = child.stdio[3];
  if (child.pid === undefined || !pipe || !("on" in pipe)) {
    throw new CliError("could not start lgauth dev in the background");
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const ready = await new Promise<ReadyMessage | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), READY_TIMEOUT_MS);
    const lines = createInterface({ input: pipe as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      let message: ReadyMessage;
      try {
        message = JSON.parse(line) as ReadyMessage;
      } catch {
        return;
      }
      if (message.notice) ctx.io.note(`lgauth dev: ${message.notice}`);
      if (message.ready) {
        clearTimeout(timer);
        resolve(message);
      }
    });
    lines.on("close", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    // its servers inherit the pipe too, so its end may come only once they are gone as well
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  (pipe as NodeJS.ReadableStream & { destroy(): void }).destroy();

  if (!ready?.ready) {
    const code = await Promise.race([exited, new Promise<"running">((r) => setTimeout(() => r("running"), 2_000))]);
    if (code === "running") {
      // neither ready nor gone: stop it rather than leave a half-started stack behind
      child.kill("SIGTERM");
      throw new CliError(`lgauth dev did not get ready within ${READY_TIMEOUT_MS / 1000} s; stopped it`, {
        hint: `its log is ${log.path}`,
      });
    }
    const why = lastError(log.path, log.offset) ?? `lgauth dev exited with code ${code}`;
    // its line already carries its hint; bad usage stays bad usage (exit 2)
    throw code === 2 ? new UsageError(why) : new CliError(why);
  }
  child.unref();

  const doc = ready.ready;
  if (ctx.json) {
    ctx.io.print(JSON.stringify({ ...doc, log_file: log.path }));
  } else {
    printForPeople(
      ctx,
      {
        supabaseUrl: str(doc.supabase_url) ?? "",
        anonKey: str(doc.supabase_anon_key) ?? "",
        serviceRoleKey: str(doc.supabase_service_key) ?? "",
        langgraphUrl: str(doc.langgraph_url),
        oidcIssuer: str(doc.oidc_issuer),
        dataDir,
        replacedDefault: str(doc.replaced_default_stack),
      },
      ready.seconds ?? "?",
      doc.pid,
    );
  }
  return 0;
};
