/**
 * Argument and option parsers for commander (`.argParser()`): each turns the text of a flag
 * into the typed value the action receives, or throws a UsageError naming the flag. They run
 * while commander parses, before any action starts, so every bad flag ends the same way
 * (run.ts: one line, exit 2). Values are cut short in messages; a refused value that may be a
 * secret is never repeated.
 */
import { BUILTIN_DEFAULTS, PROFILE_NAME } from "../session/defaults.js";
import { httpUrlProblem } from "../util/http-url.js";
import { UsageError } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Thread, run and MFA factor ids are UUIDs; anything else is a usage error before any request. */
const LISTED_BY = { thread: "threads list", run: "runs list <thread-id>", factor: "mfa list" } as const;

export function uuid(kind: "thread" | "run" | "factor"): (value: string) => string {
  return (value) => {
    if (!UUID.test(value)) {
      throw new UsageError(
        `"${value.slice(0, 60)}" is not a ${kind} id`,
        `${kind} ids are UUIDs, or their first 4 or more characters; see \`lgauth ${LISTED_BY[kind]}\``,
      );
    }
    return value.toLowerCase();
  };
}

/** A UUID as it is written, one character per position: hex digits, dashes after 8, 12, 16, 20. */
const UUID_SHAPE = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

/** The start of an id as ids are written: at least 4 characters (git takes 4 of a hash too),
 * each a hex digit where a UUID has one and a dash where it has one; so a UUID written without
 * its dashes is not mistaken for a prefix of one. */
function isIdPrefix(value: string): boolean {
  if (value.length < 4 || value.length > UUID_SHAPE.length) return false;
  return [...value].every((c, i) => (UUID_SHAPE[i] === "-" ? c === "-" : /^[0-9a-f]$/i.test(c)));
}

/**
 * A thread, run or MFA factor id, whole or its first characters (at least 4); a prefix is
 * resolved among the user's own threads, runs or factors by the action (src/langgraph/ids.ts,
 * src/session/mfa.ts). Anything else is a usage
 * error before any request.
 */
export function idOrPrefix(kind: "thread" | "run" | "factor"): (value: string) => string {
  const whole = uuid(kind);
  return (value) => {
    if (UUID.test(value)) return value.toLowerCase();
    if (!isIdPrefix(value)) return whole(value);
    return value.toLowerCase();
  };
}

/** Repeatable `--metadata k=v` into one record; `owner` is the server's to set. */
export function metadataPair(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new UsageError(`--metadata "${pair.slice(0, 60)}" is not key=value`);
  return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

const METADATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

function metadataKey(flag: string, key: string): string {
  if (!METADATA_KEY.test(key)) {
    throw new UsageError(
      `${flag} key "${key.slice(0, 60)}" is not a metadata key`,
      "use up to 64 letters, digits, '_', '.' or '-'",
    );
  }
  return key;
}

/** Repeatable `--data key=value` into the user_metadata to set (values are strings). */
export function userDataPair(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new UsageError(`--data "${pair.slice(0, 60)}" is not key=value`);
  return { ...previous, [metadataKey("--data", pair.slice(0, eq))]: pair.slice(eq + 1) };
}

/** Repeatable `--unset key`: user_metadata keys to remove. */
export function unsetKey(key: string, previous: string[] = []): string[] {
  return [...previous, metadataKey("--unset", key)];
}

/** A whole number in [min, max]. */
export function wholeNumber(flag: string, min: number, max: number, words?: string): (value: string) => number {
  return (value) => {
    const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(words ?? `${flag} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export const limit = wholeNumber("--limit", 1, 1000);

export function port(flag: string): (value: string) => number {
  return (value) => {
    const n = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw new UsageError(`${flag} must be a port number from 0 to 65535`, `for example ${flag} 0 for a free port`);
    }
    return n;
  };
}

export function profileName(value: string): string {
  if (!PROFILE_NAME.test(value)) {
    throw new UsageError(
      `invalid profile name "${value.slice(0, 64)}"`,
      "use letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return value;
}

export function httpUrl(flag: string): (value: string) => string {
  return (value) => {
    const problem = httpUrlProblem(value);
    if (problem === undefined) return value;
    // the example is the kind of server the flag names, at lgauth dev's default port
    const example = /langgraph/.test(flag) ? BUILTIN_DEFAULTS.langgraphUrl : BUILTIN_DEFAULTS.supabaseUrl;
    throw new UsageError(`${flag} ${problem}`, `for example ${flag} ${example}`);
  };
}

export function nonEmpty(flag: string): (value: string) => string {
  return (value) => {
    if (!value.trim()) throw new UsageError(`${flag} must not be empty`);
    return value;
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Why `value` is not an email address, or true (the prompt's validate asks again with it). */
export function emailProblem(value: string): true | string {
  return EMAIL.test(value.trim()) ? true : `"${value.slice(0, 80)}" is not an email address`;
}

/** An email address (trimmed); also used for the one typed at the prompt. */
export function email(value: string): string {
  const problem = emailProblem(value);
  if (problem !== true) throw new UsageError(problem);
  return value.trim();
}

/** The hidden `--password <value>` exists only to refuse it; the value is never repeated. */
export function refusedPassword(): never {
  throw new UsageError(
    "passwords are never accepted as a flag (they end up in shell history and process lists)",
    "pipe it to --password-stdin, or omit it to be prompted",
  );
}

/** An OAuth provider's name as Supabase Auth spells them (github, google, keycloak:realm, …). */
export function providerName(value: string): string {
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(value)) {
    throw new UsageError(`"${value.slice(0, 80)}" is not a provider name`, "e.g. --provider github");
  }
  return value;
}

/** A DNS domain (for the demo's accounts). */
export function domain(flag: string): (value: string) => string {
  return (value) => {
    if (!/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(value))
      throw new UsageError(`${flag} "${value.slice(0, 80)}" is not a domain`);
    return value;
  };
}
