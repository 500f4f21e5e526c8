import { Client } from "@langchain/langgraph-sdk";
import { LgauthError } from "../util/errors.js";
import { type ServerKind, identifyServer } from "../util/server-kind.js";
import { describeLangGraphError } from "./errors.js";
import { nodeFetch } from "./node-fetch.js";

/** Where the client gets the user's access token; the session layer implements it. */
export interface TokenSource {
  /** A token valid for a while yet (refreshes first when it is about to expire). */
  accessToken(): Promise<string>;
  /** A new token after the server said 401; throws when the session is gone. */
  refresh(): Promise<string>;
}

export interface LangGraphClientOptions {
  url: string;
  tokens: TokenSource;
  /** Per-request timeout for non-streaming calls, so a dead server fails within seconds. */
  timeoutMs?: number;
  /** Retries for idempotent requests (the SDK never retries a POST that reached the server). */
  maxRetries?: number;
  /** --debug: one line per request (method, path, status, time; never a header, so no token). */
  debug?: ((line: string) => void) | undefined;
  /** The Supabase anon key, for asking a wrong URL whether it is Supabase Auth (its gateway wants one). */
  supabaseAnonKey?: string | undefined;
}

/**
 * A connection the server refused. The SDK retries every network failure of a request with
 * backoff (1 s, then 2 s: 5 s before a missing server is reported) and stops at once only for
 * an abort; nothing that refused a connection accepts it a second later, so the request is
 * given up as aborted and the command fails at once.
 */
class ConnectionRefused extends Error {
  constructor(origin: string, cause: unknown) {
    super(`connection refused by ${origin}`, { cause });
    // the name the SDK's retry loop stops for
    this.name = "AbortError";
  }
}

function refused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return cause?.code === "ECONNREFUSED";
}

function pathOf(input: Parameters<typeof fetch>[0]): { origin: string; path: string } {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** The fetch under the client: refused connections fail at once, and --debug sees each request. */
function langgraphFetch(debug?: (line: string) => void, base: typeof fetch = nodeFetch): typeof fetch {
  return async (input, init) => {
    const { origin, path } = pathOf(input);
    const method = init?.method ?? "GET";
    const started = Date.now();
    try {
      const res = await base(input, init);
      debug?.(`LangGraph ${method} ${path} -> ${res.status} in ${Date.now() - started} ms`);
      return res;
    } catch (err) {
      const why = refused(err) ? "connection refused" : err instanceof Error ? err.message : String(err);
      debug?.(`LangGraph ${method} ${path} failed after ${Date.now() - started} ms: ${why}`);
      if (refused(err)) throw new ConnectionRefused(origin, err);
      throw err;
    }
  };
}

function withBearer(init: RequestInit | undefined, token: string): RequestInit {
  const headers = new Headers(init?.headers);
  headers.set("Authorization", `Bearer ${token}`);
  headers.delete("x-api-key");
  return { ...init, headers };
}

/**
 * fetch that sends the session's token and, on a 401, refreshes once and retries once.
 * The body is replayable because the SDK sends JSON strings.
 */
export function authorizedFetch(tokens: TokenSource, base: typeof fetch = nodeFetch): typeof fetch {
  return async (input, init) => {
    const first = await base(input, withBearer(init, await tokens.accessToken()));
    if (first.status !== 401) return first;
    await first.body?.cancel();
    return base(input, withBearer(init, await tokens.refresh()));
  };
}

/**
 * The SDK client for one profile: never sends a LangSmith key, always the user's token, and
 * every failure of every call (a rejected promise, or a streamed run that breaks off) arrives
 * as an LgauthError with a code, named after what the call was about ("thread <id> not found").
 */
export function createLangGraphClient(options: LangGraphClientOptions): Client {
  const client = new Client({
    apiUrl: options.url,
    // undefined would make the SDK read LANGSMITH_API_KEY and send it to any server
    apiKey: null,
    timeoutMs: options.timeoutMs ?? 10_000,
    callerOptions: {
      maxRetries: options.maxRetries ?? 2,
      fetch: authorizedFetch(options.tokens, langgraphFetch(options.debug)),
    },
  });
  let kind: Promise<ServerKind> | undefined;
  const diagnose = async (err: unknown, what: string): Promise<Error> => {
    if (!wrongServerLikely(err)) return describeLangGraphError(err, options.url, what);
    kind ??= identifyServer(options.url, options.supabaseAnonKey);
    const answered = await kind;
    if (answered === "supabase-auth") {
      return new LgauthError("langgraph_wrong_server", `${options.url} is Supabase Auth, not a LangGraph server`, {
        details: { url: options.url },
        cause: err,
      });
    }
    if (answered === "other") {
      return new LgauthError(
        "langgraph_wrong_server",
        `${options.url} does not answer as a LangGraph server (no LangGraph GET /info there)`,
        { details: { url: options.url }, cause: err },
      );
    }
    return describeLangGraphError(err, options.url, what);
  };
  for (const resource of ["assistants", "threads", "runs", "store", "crons"] as const) {
    Object.defineProperty(client, resource, { value: mapErrors(client[resource], resource, diagnose) });
  }
  return client;
}

/**
 * A failure a LangGraph server would not give for a request it serves: a 404, 405 or 401 that
 * is not LangGraph's JSON `{"detail": …}`, or an answer that is not JSON at all. Then the server
 * is asked what it is (src/util/server-kind.ts), once per client.
 */
function wrongServerLikely(err: unknown): boolean {
  if (err instanceof LgauthError) return false;
  if (err instanceof SyntaxError) return true;
  const e = err as { status?: unknown; text?: unknown; message?: unknown } | undefined;
  if (typeof e?.status === "number") {
    let body: { detail?: unknown } | null;
    try {
      body = JSON.parse(typeof e.text === "string" ? e.text : "") as { detail?: unknown } | null;
    } catch {
      return e.status >= 400; // an HTML error page or nothing: not a LangGraph server's answer
    }
    return [401, 404, 405].includes(e.status) && typeof body?.detail !== "string";
  }
  return typeof e?.message === "string" && /is not valid JSON|Unexpected token/.test(e.message);
}

/** Calls of a run named by its thread and its id (the others of `runs` name a thread). */
const RUN_CALLS = new Set(["get", "cancel", "join", "joinStream", "delete"]);

/** What a call is about, for "… not found": "thread <id>", "run <id>", "thread", "assistants". */
function subject(resource: string, method: string, args: unknown[]): string {
  const id = (i: number) => (typeof args[i] === "string" ? (args[i] as string) : undefined);
  if (resource === "runs" && RUN_CALLS.has(method) && id(1)) return `run ${id(1)}`;
  if ((resource === "threads" || resource === "runs") && id(0)) return `thread ${id(0)}`;
  if (resource === "threads") return method === "search" ? "threads" : "thread";
  return resource;
}

function isAsyncGenerator(value: unknown): value is AsyncGenerator<unknown, unknown, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AsyncGenerator).next === "function" &&
    typeof (value as AsyncGenerator)[Symbol.asyncIterator] === "function"
  );
}

async function* mappedStream<T>(stream: AsyncGenerator<T>, fail: (err: unknown) => Promise<Error>): AsyncGenerator<T> {
  try {
    return yield* stream;
  } catch (err) {
    throw await fail(err);
  }
}

/** `api` (client.threads, client.runs, …) with each method's failures mapped once, here. */
function mapErrors<T extends object>(
  api: T,
  resource: string,
  diagnose: (err: unknown, what: string) => Promise<Error>,
): T {
  return new Proxy(api, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      return (...args: unknown[]) => {
        const fail = (err: unknown) => diagnose(err, subject(resource, key, args));
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (err) {
          return Promise.reject(err).catch(async (e: unknown) => Promise.reject(await fail(e)));
        }
        if (result instanceof Promise) return result.catch(async (err: unknown) => Promise.reject(await fail(err)));
        if (isAsyncGenerator(result)) return mappedStream(result, fail);
        return result;
      };
    },
  });
}
