/**
 * Starts child processes for tests and stops every one of them by pid (its whole process
 * group), also when a test fails or the runner exits early.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { killGroup } from "../../src/util/process.js";
import { recordDescendants } from "./record-hooks.js";
import { processRecorder } from "./recorder.js";

export interface Child {
  pid: number;
  proc: ChildProcess;
  /** Everything the child wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<Child>();

process.on("exit", () => {
  for (const child of live) killGroup(child.pid, "SIGKILL");
});

export function startChild(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {},
): Child {
  const proc = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true, // own process group, so grandchildren stop with it
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (proc.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = proc.pid;
  let buffer = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: string) => {
    buffer += chunk;
    for (const l of listeners) l();
  };
  // decoded per stream, so a character split across two chunks is not mangled
  proc.stdout?.setEncoding("utf8").on("data", onData);
  proc.stderr?.setEncoding("utf8").on("data", onData);
  if (options.stdin !== undefined) proc.stdin?.end(options.stdin);
  const exited = once(proc, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  let done = false;
  exited.then(() => {
    done = true;
    live.delete(child);
    for (const l of listeners) l();
  });
  const child: Child = {
    pid,
    proc,
    output: () => buffer,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from ${command}\n${buffer.slice(-2000)}`),
          );
        }, timeoutMs);
        const check = () => {
          const m = buffer.match(pattern);
          if (m) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(m);
          } else if (done) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`${command} exited before printing ${pattern}\n${buffer.slice(-2000)}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (done) return;
      // what it started (a server's workers, `lgauth dev`'s servers) goes to the secret recorder
      recordDescendants(processRecorder(), pid, `${command} (pid ${pid})`);
      killGroup(pid, signal);
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      killGroup(pid, "SIGKILL"); // leftovers in the group
    },
  };
  live.add(child);
  return child;
}

/** Stops every child still running; call from `after()` hooks. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}
