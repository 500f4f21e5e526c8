import { Client } from "@langchain/langgraph-sdk";
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
      fetch: authorizedFetch(options.tokens),
    },
  });
  for (const resource of ["assistants", "threads", "runs", "store", "crons"] as const) {
    Object.defineProperty(client, resource, { value: mapErrors(client[resource], resource, options.url) });
  }
  return client;
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

async function* mappedStream<T>(stream: AsyncGenerator<T>, fail: (err: unknown) => Error): AsyncGenerator<T> {
  try {
    return yield* stream;
  } catch (err) {
    throw fail(err);
  }
}

/** `api` (client.threads, client.runs, …) with each method's failures mapped once, here. */
function mapErrors<T extends object>(api: T, resource: string, url: string): T {
  return new Proxy(api, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      return (...args: unknown[]) => {
        const fail = (err: unknown) => describeLangGraphError(err, url, subject(resource, key, args));
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (err) {
          throw fail(err);
        }
        if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(fail(err)));
        if (isAsyncGenerator(result)) return mappedStream(result, fail);
        return result;
      };
    },
  });
}
