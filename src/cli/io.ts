/**
 * The terminal a command talks to (gh's IOStreams): its three streams, whether each is a
 * terminal, and whether stdout gets colour. Commands write through it and never through
 * `process.stdout`; `systemIO()` is the real terminal, `testIO()` captures everything so a test
 * runs a command in process and reads what it printed.
 */
import { Readable, Writable } from "node:stream";
import { ExitCode } from "./errors.js";
import { type Style, paint } from "./output.js";

/** A value, or how to get it when it is first needed (the real streams cost start-up time). */
type Lazy<T> = T | (() => T);

export interface IOStreamsOptions {
  stdin: Lazy<NodeJS.ReadableStream>;
  stdout: Lazy<NodeJS.WritableStream>;
  stderr: Lazy<NodeJS.WritableStream>;
  stdinIsTTY: Lazy<boolean>;
  stdoutIsTTY: Lazy<boolean>;
  stderrIsTTY: Lazy<boolean>;
  /** The environment the colour and prompt rules read (NO_COLOR, FORCE_COLOR, CI). */
  env: NodeJS.ProcessEnv;
}

function once<T>(value: Lazy<T>): () => T {
  if (typeof value !== "function") return () => value;
  const get = value as () => T;
  let got: { v: T } | undefined;
  return () => {
    got ??= { v: get() };
    return got.v;
  };
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A one-line spinner on stderr; `stop()` clears its line. */
export interface Spinner {
  stop(): void;
}

/**
 * Each stream and TTY flag is looked up when first used: Node builds process.stdin (and loads
 * readline for it) on first access, which a command that never reads stdin should not pay for.
 */
export class IOStreams {
  private readonly get: {
    stdin: () => NodeJS.ReadableStream;
    stdout: () => NodeJS.WritableStream;
    stderr: () => NodeJS.WritableStream;
    stdinIsTTY: () => boolean;
    stdoutIsTTY: () => boolean;
    stderrIsTTY: () => boolean;
  };
  private readonly noColor: boolean;
  private readonly ci: boolean;

  constructor(o: IOStreamsOptions) {
    this.get = {
      stdin: once(o.stdin),
      stdout: once(o.stdout),
      stderr: once(o.stderr),
      stdinIsTTY: once(o.stdinIsTTY),
      stdoutIsTTY: once(o.stdoutIsTTY),
      stderrIsTTY: once(o.stderrIsTTY),
    };
    this.noColor = (o.env.NO_COLOR !== undefined && o.env.NO_COLOR !== "") || o.env.FORCE_COLOR === "0";
    this.ci = o.env.CI === "true" || o.env.CI === "1";
  }

  get stdin(): NodeJS.ReadableStream {
    return this.get.stdin();
  }
  get stdout(): NodeJS.WritableStream {
    return this.get.stdout();
  }
  get stderr(): NodeJS.WritableStream {
    return this.get.stderr();
  }
  get stdinIsTTY(): boolean {
    return this.get.stdinIsTTY();
  }
  get stdoutIsTTY(): boolean {
    return this.get.stdoutIsTTY();
  }
  get stderrIsTTY(): boolean {
    return this.get.stderrIsTTY();
  }

  /** Colour on stdout: only on a terminal, never with NO_COLOR or FORCE_COLOR=0. */
  get colorEnabled(): boolean {
    return !this.noColor && this.stdoutIsTTY;
  }

  /** A prompt appears only when stdin and stdout are both terminals (and CI is not set). */
  canPrompt(): boolean {
    return !this.ci && this.stdinIsTTY && this.stdoutIsTTY;
  }

  /** Text on stdout as it is (streamed answers). */
  write(text: string): void {
    this.stdout.write(text);
  }

  /** One line on stdout. */
  print(text = ""): void {
    this.stdout.write(`${text}\n`);
  }

  /** One JSON document on stdout, nothing else there. */
  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One line on stderr: progress and warnings never go to stdout, so --json stays parseable. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** `text` in `style` when stdout gets colour. */
  paint(style: Style, text: string): string {
    return paint(this.colorEnabled, style, text);
  }

  /** A spinner on stderr, only when stderr is a terminal (and `enabled`); silent otherwise. */
  startSpinner(text: string, enabled = true): Spinner {
    if (!enabled || !this.stderrIsTTY) return { stop() {} };
    let i = 0;
    const draw = () => this.stderr.write(`\r${FRAMES[i++ % FRAMES.length]} ${text}`);
    draw();
    const timer = setInterval(draw, 80);
    let stopped = false;
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        this.stderr.write("\r\u001b[2K");
      },
    };
  }
}

/**
 * A reader that went away (`lgauth --help | head -3`, a streamed answer piped to a pager the
 * user quit) ends lgauth quietly, as SIGPIPE ends gh or git: exit 141, no stack trace. Node
 * ignores SIGPIPE, so the write fails with EPIPE instead, an unhandled 'error' event otherwise.
 */
function endQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(ExitCode.brokenPipe);
    throw err;
  });
  return stream;
}

/** The process's own terminal. */
export function systemIO(env: NodeJS.ProcessEnv = process.env): IOStreams {
  return new IOStreams({
    stdin: () => process.stdin,
    stdout: () => endQuietlyOnBrokenPipe(process.stdout),
    stderr: () => endQuietlyOnBrokenPipe(process.stderr),
    stdinIsTTY: () => process.stdin.isTTY === true,
    stdoutIsTTY: () => process.stdout.isTTY === true,
    stderrIsTTY: () => process.stderr.isTTY === true,
    env,
  });
}

export interface TestIO {
  io: IOStreams;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/**
 * Captured streams for tests (gh's iostreams.Test()): stdin holds `stdin` and then ends (or is
 * the stream given); the
 * TTY flags say what the command should believe (all false unless `tty`).
 */
export function testIO(
  options: { stdin?: string | Buffer | NodeJS.ReadableStream; tty?: boolean; env?: NodeJS.ProcessEnv } = {},
): TestIO {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        into.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        done();
      },
    });
  const tty = options.tty === true;
  const io = new IOStreams({
    stdin:
      options.stdin === undefined || typeof options.stdin === "string" || Buffer.isBuffer(options.stdin)
        ? Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)])
        : options.stdin,
    stdout: sink(out),
    stderr: sink(err),
    stdinIsTTY: tty,
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    env: options.env ?? { NO_COLOR: "1" },
  });
  return {
    io,
    stdout: () => Buffer.concat(out).toString("utf8"),
    stderr: () => Buffer.concat(err).toString("utf8"),
  };
}
