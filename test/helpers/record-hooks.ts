/**
 * Fills the process's secret recorder (test/helpers/recorder.ts) without any test's help:
 *
 * - child_process.spawn / spawnSync: every child's argv, environment (the one it was given,
 *   minus LGAUTH_ACCESS_TOKEN, the documented way to hand the CLI a token), stdout and stderr;
 *   for a child that lives on (a server), the argv and environment of its descendants from
 *   /proc. For `lgauth` runs: stdin sent with --password-stdin / --with-token is learned as a
 *   secret, `lgauth token`'s stdout is learned and not recorded, and afterwards the config
 *   dir is read: the tokens in credentials.json are learned, its mode must be 0600 in a 0700
 *   dir, and every other file there (config.json, …) is recorded.
 *   `secret-tool lookup` (a test reading the keychain) is learned, not recorded.
 * - In-process HTTP servers (the local Supabase Auth, the counting proxy): passwords and refresh
 *   tokens in request bodies and the tokens in response bodies and Location headers of
 *   successful answers are learned (diagnostics_channel, no change to the servers).
 * - fetch: the same for answers of out-of-process auth servers (paths under /auth/v1/).
 * - console.* of the test process is recorded.
 */
import childProcess, { type ChildProcess, type SpawnOptions, type SpawnSyncReturns } from "node:child_process";
import diagnostics from "node:diagnostics_channel";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { syncBuiltinESMExports } from "node:module";
import { basename, join } from "node:path";
import { format } from "node:util";
import { configDir } from "../../src/session/paths.js";
import { type SecretKind, type SecretRecorder, processRecorder } from "./recorder.js";

const LGAUTH_SCRIPT = /(^|\/)bin\/lgauth\.js$/;
/** Global options of lgauth that take a value (so the command is the next word after them). */
const VALUE_OPTIONS = new Set(["-p", "--profile", "--supabase-url", "--supabase-anon-key", "--langgraph-url"]);
const TOKEN_KEYS: Record<string, SecretKind> = {
  access_token: "access token",
  refresh_token: "refresh token",
  provider_token: "token",
  provider_refresh_token: "token",
};
const MAX_CAPTURE = 1 << 20;

/** The lgauth command word of an argv (after global options), e.g. "token". */
export function lgauthCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i] ?? "";
    if (a === "--") return args[i + 1];
    if (VALUE_OPTIONS.has(a)) {
      i += 1;
      continue;
    }
    if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/** Learns the token fields of a JSON value (any depth). */
function learnJson(rec: SecretRecorder, value: unknown, source: string, depth = 0): void {
  if (depth > 6 || value === null || typeof value !== "object") return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const kind = TOKEN_KEYS[k];
    if (kind && typeof v === "string") rec.learn(v, kind, source);
    else if (typeof v === "object") learnJson(rec, v, source, depth + 1);
  }
}

function learnText(rec: SecretRecorder, text: string, source: string, withPassword: boolean): void {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    try {
      const value = JSON.parse(trimmed) as unknown;
      learnJson(rec, value, source);
      if (withPassword && value && typeof value === "object") {
        const pw = (value as Record<string, unknown>).password;
        if (typeof pw === "string") rec.learn(pw, "password", source);
      }
      return;
    } catch {
      // not JSON after all
    }
  }
  if (text.includes("=") && (text.includes("token") || (withPassword && text.includes("password")))) {
    const params = new URLSearchParams(text.replace(/^[^?#]*[?#]/, ""));
    for (const [k, kind] of Object.entries(TOKEN_KEYS)) {
      const v = params.get(k);
      if (v) rec.learn(v, kind, source);
    }
    const pw = withPassword ? params.get("password") : null;
    if (pw) rec.learn(pw, "password", source);
  }
}

function chunkText(chunk: unknown): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk).toString("utf8");
  return "";
}

// ---- child processes ------------------------------------------------------------------------

function envText(env: NodeJS.ProcessEnv): string {
  return Object.entries(env)
    .filter(([k]) => k !== "LGAUTH_ACCESS_TOKEN")
    .map(([k, v]) => `${k}=${v ?? ""}`)
    .join("\u0000");
}

function labelOf(command: string, args: readonly string[]): string {
  const lg = args.findIndex((a) => LGAUTH_SCRIPT.test(a));
  const words = command === process.execPath && lg === 0 ? ["lgauth", ...args.slice(1)] : [basename(command), ...args];
  // long words (a token passed by mistake) are not spelled out; the scan redacts known secrets
  return words.map((w) => (w.length > 60 ? `<${w.length} chars>` : w.replace(/\s+/g, " "))).join(" ");
}

/** Descendants of `pid` (by parent pid, from /proc) with their argv and environment. */
function descendants(pid: number): { pid: number; argv: string; environ: string }[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found = new Set<number>([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of parent) {
      if (!found.has(p) && found.has(pp)) {
        found.add(p);
        grew = true;
      }
    }
  }
  const out: { pid: number; argv: string; environ: string }[] = [];
  for (const p of found) {
    if (p === pid) continue;
    try {
      out.push({
        pid: p,
        argv: readFileSync(`/proc/${p}/cmdline`, "utf8"),
        environ: readFileSync(`/proc/${p}/environ`, "utf8"),
      });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Records the argv and environment of everything `pid` started (servers' workers, …). */
export function recordDescendants(rec: SecretRecorder, pid: number, label: string): void {
  for (const d of descendants(pid)) {
    const argv = d.argv.split("\u0000").filter(Boolean);
    const name = `${labelOf(argv[0] ?? "?", argv.slice(1))} (pid ${d.pid}, started by ${label})`;
    rec.record(`argv of ${name}`, d.argv, true);
    rec.record(
      `environment of ${name}`,
      d.environ
        .split("\u0000")
        .filter((v) => !v.startsWith("LGAUTH_ACCESS_TOKEN="))
        .join("\u0000"),
      true,
    );
  }
}

/** After an lgauth run: learn the stored tokens, check modes, record the other files. */
function inspectConfigDir(rec: SecretRecorder, dir: string, label: string): void {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return;
  }
  const credentials = join(dir, "credentials.json");
  for (const name of names) {
    const path = join(dir, name);
    let info: ReturnType<typeof statSync>;
    try {
      info = statSync(path);
    } catch {
      continue;
    }
    if (!info.isFile()) continue;
    if (path === credentials) {
      try {
        const dirMode = statSync(dir).mode & 0o777;
        if (dirMode !== 0o700) rec.problem(`${dir} holds credentials.json but its mode is 0${dirMode.toString(8)}`);
      } catch {}
      const mode = info.mode & 0o777;
      if (mode !== 0o600) rec.problem(`${path} has mode 0${mode.toString(8)} after ${label}`);
      learnStoredEntries(rec, path);
      continue;
    }
    if (/\.tmp$|\.lock$/.test(name)) continue;
    try {
      rec.record(`file ${path}`, readFileSync(path, "utf8"), true);
    } catch {}
  }
}

function learnStoredEntries(rec: SecretRecorder, path: string): void {
  let entries: Record<string, unknown>;
  try {
    entries = (JSON.parse(readFileSync(path, "utf8")) as { entries?: Record<string, unknown> }).entries ?? {};
  } catch {
    return; // a test's malformed file
  }
  for (const [account, value] of Object.entries(entries)) {
    if (typeof value !== "string") continue;
    const header = /^lgauth-chunked:1:([0-9a-f]+):(\d+)$/.exec(value);
    if (header) {
      const parts: string[] = [];
      for (let i = 0; i <= Number(header[2]); i += 1) {
        const part = entries[`${account}~${header[1]}~${i}`];
        if (typeof part === "string") parts.push(part);
      }
      rec.learn(parts.join(""), "token", `the stored credentials (${basename(path)})`);
    } else {
      // `<profile>@<host>` holds the refresh token, `…#access` the access token (src/session/accounts.ts)
      const kind: SecretKind = account.endsWith("#access")
        ? "access token"
        : account.includes("~")
          ? "token"
          : "refresh token";
      rec.learn(value, kind, `the stored credentials (${basename(path)})`);
    }
  }
}

function observeChild(rec: SecretRecorder, child: ChildProcess, command: string, args: string[], opts: SpawnOptions) {
  const label = labelOf(command, args);
  const env = opts.env ?? process.env;
  const direct = command === process.execPath && LGAUTH_SCRIPT.test(args[0] ?? "");
  const lgArgs = direct ? args.slice(1) : [];
  const mentionsLgauth = direct || args.some((a) => a.includes("bin/lgauth.js"));
  const printsToken = direct && lgauthCommand(lgArgs) === "token";
  const stdinIsSecret = lgArgs.includes("--password-stdin") || lgArgs.includes("--with-token");
  if (direct) rec.cliRuns += 1;
  else rec.children += 1;
  rec.record(`argv of ${label}`, [command, ...args].join("\u0000"));
  rec.record(`environment of ${label}`, envText(env), true);

  let tokenOut = "";
  if (child.stdout) {
    const out = printsToken ? undefined : rec.record(`stdout of ${label}`, "");
    child.stdout.on("data", (c: Buffer) => {
      if (out) rec.append(out, c.toString("utf8"));
      else if (tokenOut.length < MAX_CAPTURE) tokenOut += c.toString("utf8");
    });
  }
  if (child.stderr) {
    const err = rec.record(`stderr of ${label}`, "");
    child.stderr.on("data", (c: Buffer) => rec.append(err, c.toString("utf8")));
  }
  let stdin = "";
  if (child.stdin && stdinIsSecret) {
    const stream = child.stdin;
    const write = stream.write.bind(stream);
    const end = stream.end.bind(stream);
    const keep = (c: unknown) => {
      if (stdin.length < MAX_CAPTURE) stdin += chunkText(c);
    };
    stream.write = ((c: unknown, ...rest: unknown[]) => {
      keep(c);
      return (write as (...a: unknown[]) => boolean)(c, ...rest);
    }) as typeof stream.write;
    stream.end = ((c?: unknown, ...rest: unknown[]) => {
      if (typeof c !== "function") keep(c);
      return (end as (...a: unknown[]) => typeof stream)(c, ...rest);
    }) as typeof stream.end;
  }
  const late = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) recordDescendants(rec, child.pid, label);
  }, 1500);
  late.unref();
  child.once("close", () => {
    clearTimeout(late);
    if (stdinIsSecret) {
      const kind: SecretKind = lgArgs.includes("--with-token") ? "token" : "password";
      rec.learn(stdin.split(/\r?\n/)[0] ?? "", kind, `stdin of ${label}`);
      rec.learn(stdin, kind, `stdin of ${label}`);
    }
    if (printsToken) {
      // `lgauth token` prints the token alone on a line, or with --json {"access_token": …}
      if (tokenOut.trimStart().startsWith("{")) learnText(rec, tokenOut, `stdout of ${label}`, false);
      else for (const line of tokenOut.split("\n")) rec.learn(line, "access token", `stdout of ${label}`);
    }
    if (mentionsLgauth) inspectConfigDir(rec, configDir(env), label);
  });
}

function observeSync(
  rec: SecretRecorder,
  command: string,
  args: string[],
  opts: SpawnOptions,
  r: SpawnSyncReturns<unknown>,
) {
  const label = labelOf(command, args);
  rec.children += 1;
  rec.record(`argv of ${label}`, [command, ...args].join("\u0000"));
  rec.record(`environment of ${label}`, envText(opts.env ?? process.env), true);
  const text = (v: unknown) =>
    typeof v === "string" ? v : v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : "";
  if (basename(command) === "secret-tool" && args[0] === "lookup") {
    // a test reading the keychain: what it reads is a secret, not output
    rec.learn(text(r.stdout), "token", "the keychain (secret-tool lookup)");
  } else {
    rec.record(`stdout of ${label}`, text(r.stdout));
  }
  rec.record(`stderr of ${label}`, text(r.stderr));
}

function splitArgs(args: unknown, options: unknown): { list: string[]; opts: SpawnOptions } {
  if (Array.isArray(args)) return { list: args.map(String), opts: (options ?? {}) as SpawnOptions };
  return { list: [], opts: (args ?? {}) as SpawnOptions };
}

function hookChildProcess(rec: SecretRecorder): void {
  const spawn = childProcess.spawn;
  const spawnSync = childProcess.spawnSync;
  const hookedSpawn = function (this: unknown, command: string, args?: unknown, options?: unknown) {
    const child = (spawn as (...a: unknown[]) => ChildProcess).call(this, command, args, options);
    try {
      const { list, opts } = splitArgs(args, options);
      observeChild(rec, child, command, list, opts);
    } catch {
      // recording must never break a test's child
    }
    return child;
  };
  const hookedSpawnSync = function (this: unknown, command: string, args?: unknown, options?: unknown) {
    const r = (spawnSync as (...a: unknown[]) => SpawnSyncReturns<unknown>).call(this, command, args, options);
    try {
      const { list, opts } = splitArgs(args, options);
      observeSync(rec, command, list, opts, r);
    } catch {}
    return r;
  };
  childProcess.spawn = hookedSpawn as typeof childProcess.spawn;
  childProcess.spawnSync = hookedSpawnSync as typeof childProcess.spawnSync;
  syncBuiltinESMExports(); // `import { spawn } from "node:child_process"` sees the hooked one
}

// ---- in-process HTTP servers ----------------------------------------------------------------

function hookHttpServers(rec: SecretRecorder): void {
  diagnostics.subscribe("http.server.request.start", (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const source = `a response of an in-process server (${request.method} ${(request.url ?? "").split("?")[0]})`;
    let body = "";
    const emit = request.emit;
    request.emit = function (this: IncomingMessage, event: string | symbol, ...rest: unknown[]) {
      if (event === "data" && body.length < MAX_CAPTURE) body += chunkText(rest[0]);
      return (emit as (...a: unknown[]) => boolean).call(this, event, ...rest);
    } as typeof request.emit;
    let out = "";
    const write = response.write;
    const end = response.end;
    response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      if (out.length < MAX_CAPTURE) out += chunkText(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof response.write;
    response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== "function" && out.length < MAX_CAPTURE) out += chunkText(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof response.end;
    response.once("finish", () => {
      if (response.statusCode >= 400) return;
      learnText(
        rec,
        body,
        `a request to an in-process server (${request.method} ${(request.url ?? "").split("?")[0]})`,
        true,
      );
      learnText(rec, out, source, false);
      const location = response.getHeader("location");
      if (typeof location === "string") learnText(rec, location, source, false);
    });
  });
}

function hookFetch(rec: SecretRecorder): void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const res = await original(input, init);
    if (url.includes("/auth/v1/") && res.ok) {
      const source = `an answer of ${url.split("?")[0]}`;
      if (typeof init?.body === "string") learnText(rec, init.body, `a request to ${url.split("?")[0]}`, true);
      const location = res.headers.get("location");
      if (location) learnText(rec, location, source, false);
      if (/json/.test(res.headers.get("content-type") ?? "")) {
        res
          .clone()
          .text()
          .then((t) => learnText(rec, t, source, false))
          .catch(() => {});
      }
    }
    return res;
  };
}

function hookConsole(rec: SecretRecorder): void {
  const place = rec.record("console of the test process", "");
  for (const name of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[name].bind(console);
    console[name] = (...args: unknown[]) => {
      rec.append(place, `${format(...args)}\n`);
      original(...args);
    };
  }
}

let installed = false;

/** Installs every hook once; returns the process's recorder. */
export function installRecordHooks(): SecretRecorder {
  const rec = processRecorder();
  if (installed) return rec;
  installed = true;
  hookChildProcess(rec);
  hookHttpServers(rec);
  hookFetch(rec);
  hookConsole(rec);
  return rec;
}

/**
 * An lgauth run inside the test process (test/helpers/lgauth-in-process.ts), recorded as a
 * child's would be: its argv and environment, its stdout (except `lgauth token`'s, which is
 * learned) and stderr; stdin given to --password-stdin / --with-token is learned; afterwards the
 * config dir is inspected. Nothing to do when the recorder is not installed.
 */
export function recordInProcessRun(run: {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  configDir: string;
  stdin: string | Buffer | undefined;
  stdout: string;
  stderr: string;
}): void {
  if (!installed) return;
  const rec = processRecorder();
  const label = `lgauth ${run.args.map((w) => (w.length > 60 ? `<${w.length} chars>` : w)).join(" ")} (in process)`;
  rec.cliRuns += 1;
  rec.record(`argv of ${label}`, run.args.join("\u0000"));
  rec.record(`environment of ${label}`, envText(run.env), true);
  const printsToken = lgauthCommand(run.args) === "token";
  if (printsToken) {
    if (run.stdout.trimStart().startsWith("{")) learnText(rec, run.stdout, `stdout of ${label}`, false);
    else for (const line of run.stdout.split("\n")) rec.learn(line, "access token", `stdout of ${label}`);
  } else {
    rec.record(`stdout of ${label}`, run.stdout);
  }
  rec.record(`stderr of ${label}`, run.stderr);
  if (run.stdin !== undefined && (run.args.includes("--password-stdin") || run.args.includes("--with-token"))) {
    const text = chunkText(run.stdin);
    const kind: SecretKind = run.args.includes("--with-token") ? "token" : "password";
    // every line: a password is the first line, or the second after an emailed code (password reset)
    for (const line of text.split(/\r?\n/)) rec.learn(line, kind, `stdin of ${label}`);
    rec.learn(text, kind, `stdin of ${label}`);
  }
  inspectConfigDir(rec, run.configDir, label);
}
