/**
 * Ctrl-C while a command waits on the server: an AbortSignal that SIGINT aborts instead of
 * ending the process, so the command can say what it leaves behind. The handler is in place
 * only until `done()`; after that Ctrl-C ends the process as usual again.
 */
export interface Interruptible {
  signal: AbortSignal;
  done(): void;
}

export function onInterrupt(): Interruptible {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.on("SIGINT", abort);
  return { signal: controller.signal, done: () => process.off("SIGINT", abort) };
}
