/**
 * A stack child stops itself when its parent is gone (killed with SIGKILL, crashed, or a zombie
 * nobody reaps), so no server keeps a port and a data directory busy with nobody to stop it.
 *
 * The parent holds the write end of the child's stdin (src/stack/service.ts always opens it):
 * the kernel closes it when the parent ends, however it ends, and the child reads end-of-file
 * at once. A zombie parent has closed its files too, while its pid, and so the child's ppid,
 * stays the same until it is reaped: watching the ppid alone misses that. The ppid is still
 * polled as a second signal (a child started with another stdin).
 */
export function stopWithParent(stop: () => void, intervalMs = 250): void {
  const parent = process.ppid;
  let fired = false;
  const gone = () => {
    if (fired) return;
    fired = true;
    clearInterval(timer);
    // the parent held the other end of stdout and stderr too: nobody reads them any more
    muteOutput();
    stop();
  };
  const timer = setInterval(() => {
    if (process.ppid !== parent) gone();
  }, intervalMs);
  timer.unref();
  if (!process.stdin.isTTY) {
    process.stdin.on("end", gone);
    process.stdin.on("error", gone);
    process.stdin.on("close", gone);
  }
}

/**
 * Keeps reading stdin (and discarding it) so its end-of-file is seen: for a child that read its
 * own first line from stdin and paused it, or one that reads nothing from it.
 */
export function drainStdin(): void {
  if (process.stdin.isTTY) return;
  process.stdin.on("data", () => {});
  process.stdin.resume();
}

/**
 * Turns every later write to stdout and stderr into a no-op. Once the reader of those pipes is
 * gone a write fails with EPIPE; a logger that reports its own failed write by writing again
 * (as @langchain/langgraph-api's does) then spins on it, busy, for seconds.
 */
export function muteOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof stream.write;
  }
}

/** Mutes stdout and stderr at their first EPIPE (the parent is gone, or about to be noticed gone). */
export function muteOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "EIO") muteOutput();
    });
  }
}
