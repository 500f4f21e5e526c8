/**
 * A fetch for the CLI's LangGraph requests built on node:http. Node's global fetch (undici)
 * instantiates its WebAssembly HTTP parser on the first request, which roughly doubles a short
 * command's memory (40 -> 84 MB for one GET, measured here); node:http's parser is native.
 * Only what the SDK uses is supported: string bodies, abort signals, streamed responses.
 */
import { type ClientRequest, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const [k, v] of headers) if (k !== undefined && v !== undefined) out[k.toLowerCase()] = v;
  } else {
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = String(v);
  }
  return out;
}

function bodyOf(body: RequestInit["body"]): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  throw new TypeError("lgauth's LangGraph fetch sends only string or byte bodies");
}

/**
 * A kept-alive socket the server closed just as it was reused fails with ECONNRESET/EPIPE before
 * the server read anything; Node's documentation says to send such a request again, once.
 */
function staleSocket(req: ClientRequest, err: NodeJS.ErrnoException): boolean {
  return req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
}

export const nodeFetch: typeof fetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const body = bodyOf(init.body);
    const headers = headerRecord(init.headers);
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const attempt = (retried: boolean): void => {
      const req = send(
        url,
        { method: init.method ?? "GET", headers, ...(init.signal ? { signal: init.signal } : {}) },
        (res) => {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const item of v) responseHeaders.append(k, item);
            else if (v !== undefined) responseHeaders.set(k, v);
          }
          const empty = status === 204 || status === 304 || init.method === "HEAD";
          if (empty) res.resume();
          const stream = empty ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
          resolve(new Response(stream, { status, statusText: res.statusMessage ?? "", headers: responseHeaders }));
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (!retried && !init.signal?.aborted && staleSocket(req, err)) {
          attempt(true);
          return;
        }
        // fetch's shape for a network failure, which the SDK's retry logic recognises
        reject(err.name === "AbortError" ? err : new TypeError("fetch failed", { cause: err }));
      });
      req.end(body);
    };
    attempt(false);
  });
