/**
 * Request and response plumbing shared by the handlers: bounded body reading, GoTrue's JSON
 * parsing errors, and rendering errors in the 2024-01-01 or the legacy wire format.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ApiError, badRequest, OAuthError, unexpectedFailure, WeakPasswordError } from "./errors.js";

export const MAX_BODY_BYTES = 1 << 20; // GoTrue: limitRequestBody(1 << 20)
const API_VERSION_HEADER = "x-supabase-api-version";
const API_VERSION_2024 = "2024-01-01";

export type JsonObject = Record<string, unknown>;

export interface Req {
  method: string;
  /** Path below /auth/v1, e.g. "/token". */
  path: string;
  query: URLSearchParams;
  /** The URL as GoTrue sees it behind the gateway (path below /auth/v1 plus query). */
  gotrueUrl: string;
  headers: IncomingMessage["headers"];
  ip: string;
  raw: IncomingMessage;
  body(): Promise<Buffer>;
}

/** The gateway's API key: the `apikey` header, else the `apikey` query parameter (as Kong's key-auth). */
export function apiKeyOf(headers: IncomingMessage["headers"], query: URLSearchParams): string | undefined {
  const header = headers.apikey;
  const value = Array.isArray(header) ? header[0] : header;
  return value || query.get("apikey") || undefined;
}

/** Reads the body up to MAX_BODY_BYTES; larger bodies are a 413 like Go's MaxBytesReader. */
export function bodyReader(req: IncomingMessage): () => Promise<Buffer> {
  let cached: Promise<Buffer> | undefined;
  return () => {
    cached ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      req.on("data", (chunk: Buffer) => {
        if (failed) return;
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          failed = true;
          reject(new ApiError(413, "request_entity_too_large", `Request body too large (max ${MAX_BODY_BYTES} bytes)`));
          return;
        }
        chunks.push(chunk);
      });
      req.on("end", () => {
        if (!failed) resolve(Buffer.concat(chunks));
      });
      req.on("error", (err) => {
        if (!failed) {
          failed = true;
          reject(badRequest("validation_failed", `Could not read body: ${err.message}`));
        }
      });
    });
    return cached;
  };
}

/** Names of JSON value kinds the way Go's encoding/json reports them. */
function goKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  if (typeof value === "boolean") return "bool";
  return typeof value; // "string" | "number"
}

export type FieldKind = "string" | "bool" | "object" | "number";

/**
 * Parses the body as a JSON object and checks the declared fields' types the way Go's
 * json.Unmarshal into a struct would (null leaves the zero value; unknown keys are ignored).
 * Any failure is GoTrue's 400 bad_json.
 */
export async function readJson(req: Req, fields: Record<string, FieldKind>, structName: string): Promise<JsonObject> {
  const bytes = await req.body();
  const text = bytes.toString("utf8");
  let value: unknown;
  if (text.trim() === "") throw badJson("unexpected end of JSON input");
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : "invalid JSON";
    throw badJson(`invalid character in JSON: ${msg.replace(/\s+/g, " ").slice(0, 200)}`);
  }
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badJson(`json: cannot unmarshal ${goKind(value)} into Go value of type api.${structName}`);
  }
  const obj = value as JsonObject;
  for (const [key, kind] of Object.entries(fields)) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const actual = goKind(v);
    const ok = kind === actual;
    if (!ok) {
      throw badJson(
        `json: cannot unmarshal ${actual} into Go struct field ${structName}.${key} of type ${goType(kind)}`,
      );
    }
  }
  return obj;
}

function goType(kind: FieldKind): string {
  switch (kind) {
    case "object":
      return "map[string]interface {}";
    case "number":
      return "int";
    default:
      return kind;
  }
}

function badJson(detail: string): ApiError {
  return badRequest("bad_json", `Could not parse request body as JSON: ${detail}`);
}

/** String field of a parsed body ("" when absent or null, like a Go zero value). */
export function str(obj: JsonObject, key: string): string {
  const v = obj[key];
  return typeof v === "string" ? v : "";
}

/** Object field of a parsed body, or undefined when absent or null. */
export function objField(obj: JsonObject, key: string): JsonObject | undefined {
  const v = obj[key];
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

function uses2024Format(req: { headers: IncomingMessage["headers"] }): boolean {
  const raw = req.headers[API_VERSION_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(t) && t >= Date.parse(`${API_VERSION_2024}T00:00:00Z`);
}

/** Renders any thrown value as GoTrue would; unknown errors become a generic 500 without details. */
export function sendError(req: { headers: IncomingMessage["headers"] }, res: ServerResponse, err: unknown): void {
  const v2024 = uses2024Format(req);
  const headers: Record<string, string> = {};
  if (v2024) headers["X-Supabase-Api-Version"] = API_VERSION_2024;

  if (err instanceof WeakPasswordError) {
    if (v2024) {
      sendJson(res, 422, { code: err.code, message: err.message, weak_password: { reasons: err.reasons } }, headers);
    } else {
      headers["x-sb-error-code"] = err.code;
      sendJson(
        res,
        422,
        { code: 422, error_code: err.code, msg: err.message, weak_password: { reasons: err.reasons } },
        headers,
      );
    }
    return;
  }
  if (err instanceof OAuthError) {
    sendJson(res, 400, { error: err.error, error_description: err.description }, headers);
    return;
  }
  const apiErr = err instanceof ApiError ? err : unexpectedFailure("Internal Server Error");
  headers["x-sb-error-code"] = apiErr.code;
  if (v2024) {
    sendJson(res, apiErr.status, { code: apiErr.code, message: apiErr.message }, headers);
  } else {
    const body: JsonObject = { code: apiErr.status, error_code: apiErr.code, msg: apiErr.message };
    if (apiErr.status >= 500) body.error_id = crypto.randomUUID();
    sendJson(res, apiErr.status, body, headers);
  }
}

const PARSE_ERRORS: Record<string, { status: number; reason: string; code: string; msg: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    code: "request_header_fields_too_large",
    msg: "Request header fields too large",
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: "Request Timeout", code: "request_timeout", msg: "Request timeout" },
};
const BAD_REQUEST = { status: 400, reason: "Bad Request", code: "bad_request", msg: "Malformed HTTP request" };

/**
 * The server's `clientError` handler: a request Node's parser refused (headers over its 16 KB
 * limit, a malformed request line or header, a request that took too long) never reaches a
 * handler, and Node would answer with a bare status line. This answers in GoTrue's legacy error
 * shape (`{"code":<status>,"error_code":…,"msg":…}` plus `x-sb-error-code`): the request was
 * not parsed, so no X-Supabase-Api-Version header can be trusted, and the legacy shape is what
 * GoTrue gives a request without one. The status is the one Go's net/http (GoTrue's server)
 * uses for the same failure: 431 for headers over its limit, 408 for a timeout, 400 otherwise.
 * The connection is closed: the rest of the bytes on it cannot be framed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const e = PARSE_ERRORS[err.code ?? ""] ?? BAD_REQUEST;
  const body = JSON.stringify({ code: e.status, error_code: e.code, msg: e.msg });
  // the answer to a HEAD has no body, also when the rest of the request could not be parsed
  const raw = (err as { rawPacket?: unknown }).rawPacket;
  const head = Buffer.isBuffer(raw) && raw.subarray(0, 5).toString("latin1") === "HEAD ";
  socket.end(
    `HTTP/1.1 ${e.status} ${e.reason}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `x-sb-error-code: ${e.code}\r\n` +
      "Connection: close\r\n\r\n" +
      (head ? "" : body),
  );
}
