import { LgauthError } from "../util/errors.js";

interface HttpLikeError {
  status: number;
  text?: string;
  message: string;
}

function isHttpError(err: unknown): err is HttpLikeError {
  return typeof err === "object" && err !== null && typeof (err as { status?: unknown }).status === "number";
}

function serverMessage(err: HttpLikeError): string {
  const raw = err.text ?? err.message;
  try {
    const body = JSON.parse(raw) as { detail?: unknown; message?: unknown; error?: unknown };
    for (const v of [body.detail, body.message, body.error]) if (typeof v === "string" && v) return v;
  } catch {
    // not JSON
  }
  return raw.replace(/^HTTP \d+:\s*/, "").slice(0, 200);
}

/**
 * Turns what the SDK throws into one line for the user. `what` names the resource
 * ("thread 1234…"); a resource of someone else's is "not found", exactly like a missing one.
 */
export function describeLangGraphError(err: unknown, url: string, what = "resource"): LgauthError {
  if (err instanceof LgauthError) return err;
  if (isHttpError(err)) {
    switch (err.status) {
      case 401:
        return new LgauthError("langgraph_unauthorized", "the LangGraph server rejected your session", { cause: err });
      case 403: {
        const message = serverMessage(err);
        // our Auth's AUTH_MFA refusal (src/server/mfa.ts): the session needs its second factor
        if (/^MFA required\b/i.test(message)) {
          return new LgauthError("langgraph_mfa_required", `the LangGraph server refused this session: ${message}`, {
            details: { enroll: /\benroll\b/i.test(message) },
            cause: err,
          });
        }
        return new LgauthError("langgraph_forbidden", `forbidden: ${message}`, { cause: err });
      }
      case 404:
        return new LgauthError("langgraph_not_found", `${what} not found`, { cause: err });
      case 409:
        return new LgauthError("langgraph_conflict", `conflict: ${serverMessage(err)}`, { cause: err });
      case 422:
        return new LgauthError("langgraph_rejected", `the server refused the request: ${serverMessage(err)}`, {
          cause: err,
        });
      default:
        return new LgauthError(
          "langgraph_server_error",
          `LangGraph server error ${err.status}: ${serverMessage(err)}`,
          {
            details: { url },
            cause: err,
          },
        );
    }
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string } } | undefined;
  const message = e?.message ?? String(err);
  if (
    e?.name === "ConnectionError" ||
    e?.name === "TimeoutError" ||
    e?.name === "AbortError" ||
    /fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|timed? ?out|aborted/i.test(message)
  ) {
    const why = /^connection refused/.test(message) ? " (connection refused)" : "";
    return new LgauthError("langgraph_unreachable", `cannot reach the LangGraph server at ${url}${why}`, {
      details: { url },
      cause: err,
    });
  }
  return new LgauthError("langgraph_failed", message, { cause: err });
}
