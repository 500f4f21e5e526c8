/** Raw HTTP for the probes: the exact status and body, no SDK retries or error mapping. */
export interface ProbeResponse {
  status: number;
  text: string;
  json: unknown;
}

export interface ProbeRequest {
  method: string;
  path: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Streams (SSE) are read until they close or this many ms pass. */
  timeoutMs?: number;
  /**
   * Stop reading once the body contains this text: enough to know it is there. (A stock server
   * holds the stream of a finished run open about half a second after its last event.)
   */
  until?: string;
}

export async function probeFetch(baseUrl: string, req: ProbeRequest): Promise<ProbeResponse> {
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.token) headers.Authorization = `Bearer ${req.token}`;
  if (req.body !== undefined) headers["Content-Type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), req.timeoutMs ?? 8_000);
  let status = 0;
  let text = "";
  try {
    const res = await fetch(`${baseUrl}${req.path}`, {
      method: req.method,
      headers,
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: controller.signal,
    });
    status = res.status;
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    if (reader) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          if (req.until !== undefined && text.includes(req.until)) {
            await reader.cancel().catch(() => undefined);
            break;
          }
        }
      } catch {
        // the stream was cut at the timeout: keep what arrived
      }
    }
  } catch (err) {
    if (status === 0) throw err;
  } finally {
    clearTimeout(timer);
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status, text, json };
}
