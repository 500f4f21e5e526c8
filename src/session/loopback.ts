import { randomBytes, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LgauthError } from "../util/errors.js";

/** What the browser brought back to the loopback redirect URI. */
export type CallbackResult =
  | { kind: "code"; code: string }
  | { kind: "error"; error: string; errorCode: string | undefined; description: string | undefined };

/** The page the browser tab shows once the login has finished. */
export interface FinishPage {
  ok: boolean;
  message: string;
}

export interface LoopbackReceiver {
  /** http://127.0.0.1:<port>/callback?state=<random>: the redirect_to given to Supabase Auth. */
  redirectUri: string;
  /** Resolves with the first callback carrying this login's state; rejects on a wrong state or timeout. */
  wait(timeoutMs: number): Promise<CallbackResult>;
  /** Answers the waiting browser tab (once); later calls do nothing. */
  finish(page: FinishPage): void;
  close(): Promise<void>;
}

const PATH = "/callback";

/**
 * A one-shot redirect receiver on 127.0.0.1 with a port the kernel picks (RFC 8252 §7.3).
 * The `state` in the redirect URI is random per login and compared in constant time, so a
 * request forged by another page or a stale tab of an older login is refused (RFC 6749 §10.12).
 * The browser's request is held open until the code has been exchanged, so the tab can say
 * whether the login worked.
 */
export async function startLoopbackReceiver(): Promise<LoopbackReceiver> {
  const state = randomBytes(24).toString("base64url");
  let settle: ((r: CallbackResult) => void) | undefined;
  let fail: ((e: Error) => void) | undefined;
  const arrived = new Promise<CallbackResult>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  arrived.catch(() => undefined);
  let pending: ServerResponse | undefined;
  let done = false;

  const server = createServer((req, res) => {
    const url = parse(req);
    if (!url || url.pathname !== PATH || (req.method !== "GET" && req.method !== "HEAD")) {
      page(res, 404, { ok: false, message: "Not found." });
      return;
    }
    if (done) {
      page(res, 410, { ok: false, message: "This login has already finished. You can close this tab." });
      return;
    }
    const q = url.searchParams;
    if (!sameState(q.get("state"), state)) {
      done = true;
      page(res, 400, { ok: false, message: "This answer does not belong to the login lgauth is waiting for." });
      fail?.(
        new LgauthError(
          "oauth_state_mismatch",
          "the browser came back with a state that does not belong to this login; nothing was stored",
        ),
      );
      return;
    }
    const code = q.get("code");
    const error = q.get("error");
    if (!code && !error) {
      page(res, 400, { ok: false, message: "The answer carries neither a code nor an error." });
      return;
    }
    done = true;
    pending = res;
    settle?.(
      code
        ? { kind: "code", code }
        : {
            kind: "error",
            error: error ?? "unknown_error",
            errorCode: q.get("error_code") ?? undefined,
            description: q.get("error_description") ?? undefined,
          },
    );
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const finish = (result: FinishPage): void => {
    const res = pending;
    pending = undefined;
    if (res && !res.writableEnded) page(res, result.ok ? 200 : 400, result);
  };

  return {
    redirectUri: `http://127.0.0.1:${port}${PATH}?state=${state}`,
    wait(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          done = true;
          reject(
            new LgauthError(
              "oauth_timeout",
              `no answer from the browser within ${formatDuration(timeoutMs)}; nothing was stored`,
            ),
          );
        }, timeoutMs);
      });
      return Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
    },
    finish,
    close() {
      finish({ ok: false, message: "lgauth stopped waiting." });
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parse(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? "/", "http://127.0.0.1");
  } catch {
    return undefined;
  }
}

function sameState(got: string | null, want: string): boolean {
  if (got === null) return false;
  const a = Buffer.from(got);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 && s % 60 === 0 ? `${s / 60} minute${s === 60 ? "" : "s"}` : `${s} s`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A small page; no scripts, no external resources, and no referrer for the code in the URL. */
function page(res: ServerResponse, status: number, p: FinishPage): void {
  const title = p.ok ? "lgauth: logged in" : "lgauth: login failed";
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${escapeHtml(p.message)}</p><p>You can close this tab and return to the terminal.</p></body></html>`;
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    connection: "close",
  });
  res.end(body);
}
