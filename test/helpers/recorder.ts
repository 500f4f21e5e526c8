/**
 * Secret recorder. One per test process (every test file runs in its own process): it keeps
 * every byte written to a recorded place (argv, environment, stdout and stderr of child
 * processes, files of the CLI's config dir, the test process's console) and the secrets the
 * tests come to know (passwords, access and refresh tokens), and `scan()` lists each place a
 * secret appeared, never the secret itself. The stdout of `lgauth token` is the one place a
 * token may appear; it is not recorded.
 *
 * test/helpers/record-hooks.ts fills it without any test's help (child_process, in-process
 * HTTP servers, fetch, console); test/helpers/record-all.ts (loaded with --import by
 * scripts/test.mjs) scans at the end of every test file and fails the file on a hit.
 * `createRecorder()` is the older per-suite view used by the reliability suites: it feeds the
 * same process-wide recorder and scans only what went through it.
 */
import { readFile } from "node:fs/promises";
import { type CliResult, runCli } from "./cli.js";
import { lgauthInProcess } from "./lgauth-in-process.js";

export type SecretKind = "password" | "access token" | "refresh token" | "token" | "secret";

interface Recorded {
  where: string;
  text: string;
}

/** Secrets shorter than this are not scanned for (they would match by chance). */
export const MIN_SECRET_LENGTH = 8;

export class SecretRecorder {
  private readonly places: Recorded[] = [];
  private readonly secretInfo = new Map<string, { kind: SecretKind; source: string; n: number }>();
  private readonly problems: string[] = [];
  private readonly seen = new Set<string>();
  private byteCount = 0;
  /** lgauth runs and other child processes seen. */
  cliRuns = 0;
  children = 0;

  get bytes(): number {
    return this.byteCount;
  }
  get placeCount(): number {
    return this.places.length;
  }
  get secretCount(): number {
    return this.secretInfo.size;
  }

  /** A secret the tests know; whitespace around it is dropped, short ones are ignored. */
  learn(secret: string, kind: SecretKind, source: string): void {
    const s = secret.trim();
    if (s.length < MIN_SECRET_LENGTH || this.secretInfo.has(s)) return;
    this.secretInfo.set(s, { kind, source, n: this.secretInfo.size + 1 });
  }

  /** Adds a recorded place; `dedupe` keeps identical texts (e.g. one environment) once. */
  record(where: string, text: string, dedupe = false): Recorded {
    if (dedupe) {
      if (this.seen.has(text)) return { where, text: "" };
      this.seen.add(text);
    }
    const entry = { where, text };
    this.places.push(entry);
    this.byteCount += Buffer.byteLength(text);
    return entry;
  }

  /** Appends to a place recorded earlier (output arriving in chunks). */
  append(entry: Recorded, chunk: string): void {
    entry.text += chunk;
    this.byteCount += Buffer.byteLength(chunk);
  }

  /** A finding that is not a secret in a place (e.g. a credentials file with a loose mode). */
  problem(message: string): void {
    if (!this.problems.includes(message)) this.problems.push(message); // paths only, never file contents
  }

  /** Each place a known secret appeared ("<place>: <kind> #n (learned from …)"), plus problems. */
  scan(): string[] {
    return [...this.scanPlaces(this.places), ...this.problems];
  }

  /** Scans `places` (by default for every secret known, else for those in `secrets`). */
  scanPlaces(places: Iterable<Recorded>, secrets?: ReadonlySet<string>): string[] {
    const hits: string[] = [];
    const list = [...this.secretInfo.entries()].filter(([s]) => !secrets || secrets.has(s.trim()));
    for (const place of places) {
      if (place.text.length < MIN_SECRET_LENGTH) continue;
      for (const [s, info] of list) {
        if (place.text.includes(s)) {
          hits.push(`${this.redact(place.where)}: ${info.kind} #${info.n} (learned from ${this.redact(info.source)})`);
        }
      }
    }
    return hits;
  }

  /** A place's name (built from argv) without any secret in it, cut to a readable length. */
  private redact(label: string): string {
    let out = label;
    for (const [s, info] of this.secretInfo) {
      if (out.includes(s)) out = out.split(s).join(`<${info.kind} #${info.n}>`);
    }
    return out.length > 160 ? `${out.slice(0, 160)}…` : out;
  }
}

const KEY = Symbol.for("lgauth.test.secretRecorder");
type WithRecorder = typeof globalThis & { [KEY]?: SecretRecorder };

/** The recorder of this test process. */
export function processRecorder(): SecretRecorder {
  const g = globalThis as WithRecorder;
  g[KEY] ??= new SecretRecorder();
  return g[KEY];
}

export interface Recorder {
  secrets: Set<string>;
  /** Bytes recorded so far (for the suite's counts). */
  readonly bytes: number;
  readonly runs: number;
  run(
    args: string[],
    opts: {
      env: NodeJS.ProcessEnv;
      stdin?: string | Buffer;
      timeoutMs?: number;
      printsToken?: boolean;
      /** In this process (src/cli/run.ts) instead of the built binary. */
      inProcess?: boolean;
    },
  ): Promise<CliResult>;
  add(where: string, text: string): void;
  /** Adds the argv of a running process (its /proc cmdline). */
  addProcess(where: string, pid: number): Promise<void>;
  addFile(where: string, path: string): Promise<void>;
  /** Places where a secret appeared: "<where>: secret #n". Empty when clean. */
  scan(): string[];
}

/**
 * A suite's own view: secrets and places it adds are recorded process-wide as well; `scan()`
 * covers the places that went through this view, for the secrets added to it.
 */
export function createRecorder(): Recorder {
  const global = processRecorder();
  const mine: Recorded[] = [];
  let runs = 0;
  const secrets = new (class extends Set<string> {
    override add(value: string): this {
      global.learn(value, "secret", "the suite");
      return super.add(value);
    }
  })();
  // CLI runs are recorded process-wide by the child_process hook already: kept here only
  const own = (where: string, text: string) => {
    mine.push({ where, text });
  };
  const add = (where: string, text: string) => {
    own(where, text);
    global.record(where, text);
  };
  const rec: Recorder = {
    secrets,
    get bytes() {
      return [...mine].reduce((n, r) => n + r.text.length, 0);
    },
    get runs() {
      return runs;
    },
    async run(args, opts) {
      runs += 1;
      const label = `lgauth ${args.join(" ").slice(0, 80)}`;
      own(`argv of ${label}`, args.join("\u0000"));
      const stdin = opts.stdin !== undefined ? { stdin: opts.stdin } : {};
      const r = opts.inProcess
        ? await lgauthInProcess(args, { env: opts.env, ...stdin })
        : await runCli(args, { env: opts.env, ...stdin, timeoutMs: opts.timeoutMs ?? 60_000 });
      if (!opts.printsToken) own(`stdout of ${label}`, r.stdout);
      own(`stderr of ${label}`, r.stderr);
      return r;
    },
    add,
    async addProcess(where, pid) {
      try {
        const argv = await readFile(`/proc/${pid}/cmdline`, "utf8");
        add(`argv of ${where} (pid ${pid})`, argv);
        const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
        // env is not argv, but a token there would reach `ps e` too
        add(`environment of ${where} (pid ${pid})`, environ);
      } catch {
        // exited already
      }
    },
    async addFile(where, path) {
      add(where, await readFile(path, "utf8"));
    },
    scan() {
      return global.scanPlaces(mine, secrets);
    },
  };
  return rec;
}
