import { CliError, ExitCode } from "../cli/errors.js";

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
export function describeLangGraphError(err: unknown, url: string, what = "resource"): CliError {
  if (err instanceof CliError) return err;
  if (isHttpError(err)) {
    switch (err.status) {
      case 401:
        return new CliError("the LangGraph server rejected your session", {
          exitCode: ExitCode.auth,
          hint: "run `lgauth login` again",
          cause: err,
        });
      case 403:
        return new CliError(`forbidden: ${serverMessage(err)}`, { cause: err });
      case 404:
        return new CliError(`${what} not found`, { cause: err });
      case 409:
        return new CliError(`conflict: ${serverMessage(err)}`, { cause: err });
      case 422:
        return new CliError(`the server refused the request: ${serverMessage(err)}`, { cause: err });
      default:
        return new CliError(`LangGraph server error ${err.status}: ${serverMessage(err)}`, {
          hint: `server ${url}`,
          cause: err,
        });
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
    return new CliError(`cannot reach the LangGraph server at ${url}`, {
      hint: "is `lgauth dev` running? set --langgraph-url or LANGGRAPH_URL",
      cause: err,
    });
  }
  return new CliError(message, { cause: err });
}
