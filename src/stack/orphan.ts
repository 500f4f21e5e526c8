/**
 * A stack child stops itself when its parent is gone (killed with SIGKILL, crashed), so no
 * server keeps a port and a data directory busy with nobody to stop it.
 */
export function stopWithParent(stop: () => void, intervalMs = 1_000): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, intervalMs);
  timer.unref();
}
