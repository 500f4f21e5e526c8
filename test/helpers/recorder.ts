/**
 * Secret recorder for the reliability suites: every CLI run goes through `run()`, which keeps
 * its argv, stdout and stderr; log files, config dirs and the argv of spawned servers
 * (/proc/<pid>/cmdline) are added before the scan. `scan()` reports each place a known secret
 * (password, access token, refresh token) appears, except the stdout of `lgauth token`.
 */
import { readFile } from "node:fs/promises";
import { type CliResult, runCli } from "./cli.js";

interface Recorded {
  where: string;
  text: string;
}

export interface Recorder {
  secrets: Set<string>;
  /** Bytes recorded so far (for the suite's counts). */
  readonly bytes: number;
  readonly runs: number;
  run(
    args: string[],
    opts: { env: NodeJS.ProcessEnv; stdin?: string | Buffer; timeoutMs?: number; printsToken?: boolean },
  ): Promise<CliResult>;
  add(where: string, text: string): void;
  /** Adds the argv of a running process (its /proc cmdline). */
  addProcess(where: string, pid: number): Promise<void>;
  addFile(where: string, path: string): Promise<void>;
  /** Places where a secret appeared: "<where>: secret #n". Empty when clean. */
  scan(): string[];
}

export function createRecorder(): Recorder {
  const recorded: Recorded[] = [];
  const secrets = new Set<string>();
  let runs = 0;
  const rec: Recorder = {
    secrets,
    get bytes() {
      return recorded.reduce((n, r) => n + r.text.length, 0);
    },
    get runs() {
      return runs;
    },
    async run(args, opts) {
      runs += 1;
      const label = `lgauth ${args.join(" ").slice(0, 80)}`;
      recorded.push({ where: `argv of ${label}`, text: args.join("\u0000") });
      const r = await runCli(args, {
        env: opts.env,
        ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
        timeoutMs: opts.timeoutMs ?? 60_000,
      });
      if (!opts.printsToken) recorded.push({ where: `stdout of ${label}`, text: r.stdout });
      recorded.push({ where: `stderr of ${label}`, text: r.stderr });
      return r;
    },
    add(where, text) {
      recorded.push({ where, text });
    },
    async addProcess(where, pid) {
      try {
        const argv = await readFile(`/proc/${pid}/cmdline`, "utf8");
        recorded.push({ where: `argv of ${where} (pid ${pid})`, text: argv });
        const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
        // env is not argv, but a token there would reach `ps e` too
        recorded.push({ where: `environment of ${where} (pid ${pid})`, text: environ });
      } catch {
        // exited already
      }
    },
    async addFile(where, path) {
      recorded.push({ where, text: await readFile(path, "utf8") });
    },
    scan() {
      const hits: string[] = [];
      const list = [...secrets].filter((s) => s.length >= 8);
      for (const r of recorded) {
        list.forEach((s, i) => {
          if (r.text.includes(s)) hits.push(`${r.where}: secret #${i}`);
        });
      }
      return hits;
    },
  };
  return rec;
}
