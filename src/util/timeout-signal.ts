/**
 * An AbortSignal that fires after `ms`, with a timer that keeps the process alive.
 * (AbortSignal.timeout's timer is unref'd: a request that never answers would let the event
 * loop drain and Node exit with code 13 instead of reporting the timeout.)
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
