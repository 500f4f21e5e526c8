import { Client } from "@langchain/langgraph-sdk";
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

/** The SDK client for one profile: never sends a LangSmith key, always the user's token. */
export function createLangGraphClient(options: LangGraphClientOptions): Client {
  return new Client({
    apiUrl: options.url,
    // undefined would make the SDK read LANGSMITH_API_KEY and send it to any server
    apiKey: null,
    timeoutMs: options.timeoutMs ?? 10_000,
    callerOptions: {
      maxRetries: options.maxRetries ?? 2,
      fetch: authorizedFetch(options.tokens),
    },
  });
}
