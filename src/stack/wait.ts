/**
 * Polls a URL until it answers 2xx: the stack is ready only when a client would get through.
 * Plain node:http rather than fetch: the first fetch() in a process loads undici, which cost
 * `lgauth dev` 0.1 to 0.4 s between the auth server's ready line and its health answer.
 */
import { request } from "node:http";

function answer(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export async function waitUntilAnswers(
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
  intervalMs = 50,
): Promise<void> {
  const target = new URL(url);
  if (target.protocol !== "http:") throw new Error(`waitUntilAnswers: only http URLs (loopback servers), not ${url}`);
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const status = await answer(target, headers, 2_000);
      if (status >= 200 && status < 300) return;
      last = `HTTP ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${url} did not answer within ${Math.round(timeoutMs / 1000)} s (${last})`);
}
