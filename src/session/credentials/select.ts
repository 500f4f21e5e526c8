import { LgauthError, UsageError } from "../../util/errors.js";
import type { SessionContext } from "../context.js";
import { DEFAULT_TIMEOUTS, INTERACTIVE_WRITE_MS, openKeychain, type KeychainTimeouts } from "./keychain.js";
import { FileStore } from "./file.js";
import { type CredentialStore, KeychainUnavailableError, type StoreKind } from "./types.js";

export type StorePreference = "keychain" | "file" | "auto";

export function storePreference(env: NodeJS.ProcessEnv): StorePreference {
  const v = env.LGAUTH_CREDENTIAL_STORE;
  if (v === undefined || v === "") return "auto";
  if (v === "keychain" || v === "file") return v;
  throw new UsageError(`LGAUTH_CREDENTIAL_STORE must be "keychain" or "file", not "${v.slice(0, 20)}"`);
}

export interface ChosenStore {
  store: CredentialStore;
  kind: StoreKind;
  /** Why this store, in words for `status`. */
  reason: string;
}

/** The part of a session context the stores need. */
export type StoreContext = Pick<SessionContext, "env" | "config" | "log" | "interactive">;

export interface ChooseOptions {
  /** `--insecure-storage` was given. */
  insecureStorage: boolean;
  /** Account to probe the keychain with (a harmless read). */
  probeAccount: string;
  /** Asks the person at the terminal; undefined when nobody can be asked. */
  confirm?: (question: string) => Promise<boolean>;
}

function timeoutsFor(ctx: StoreContext, interactive: boolean): KeychainTimeouts {
  if (!interactive) return DEFAULT_TIMEOUTS;
  return {
    ...DEFAULT_TIMEOUTS,
    writeMs: INTERACTIVE_WRITE_MS,
    onSlowWrite: () => ctx.log.info("waiting for the keychain (unlock it if your system asks)…"),
  };
}

/** The file store, announcing on stderr just before it first writes a token. */
function plainFile(ctx: StoreContext, why: string): FileStore {
  const path = ctx.config.credentialsFile;
  return new FileStore(path, () => ctx.log.warn(`storing tokens in plain text in ${path} (mode 0600) because ${why}`));
}

/**
 * Where `login`/`signup` put new tokens. The keychain when it answers; the plain file only with
 * consent (a yes at the prompt, --insecure-storage or LGAUTH_CREDENTIAL_STORE=file), said on
 * stderr just before the first token is written. A keychain that times out is an error, never a reason to
 * fall back: it is probably locked, and the person should unlock it rather than lose security.
 */
export async function chooseStoreForLogin(ctx: StoreContext, opts: ChooseOptions): Promise<ChosenStore> {
  const pref = storePreference(ctx.env);
  const path = ctx.config.credentialsFile;
  if (pref === "file") {
    return {
      store: plainFile(ctx, "LGAUTH_CREDENTIAL_STORE=file"),
      kind: "file",
      reason: "LGAUTH_CREDENTIAL_STORE=file",
    };
  }
  let unavailable: KeychainUnavailableError;
  try {
    const keychain = await openKeychain(timeoutsFor(ctx, opts.confirm !== undefined), ctx.env);
    await keychain.probe(opts.probeAccount);
    return { store: keychain, kind: "keychain", reason: "the keychain answered" };
  } catch (err) {
    if (!(err instanceof KeychainUnavailableError)) throw err;
    unavailable = err;
  }
  if (pref === "keychain") {
    throw new LgauthError("keychain_required", `no keychain available: ${unavailable.reason}`);
  }
  if (opts.insecureStorage) {
    return {
      store: plainFile(ctx, `no keychain answered (${unavailable.reason}) and --insecure-storage was given`),
      kind: "file",
      reason: "no keychain answered; --insecure-storage",
    };
  }
  if (opts.confirm) {
    ctx.log.info(`no keychain available: ${unavailable.reason}`);
    const yes = await opts.confirm(`Store your tokens in plain text in ${path} (mode 0600) instead?`);
    if (yes) {
      return {
        store: plainFile(ctx, "you agreed at the prompt"),
        kind: "file",
        reason: "no keychain answered; agreed at the prompt",
      };
    }
    throw new LgauthError("plain_file_refused", "not logged in: no keychain and no consent to a plain-text file");
  }
  throw new LgauthError("plain_file_needs_consent", `no keychain available: ${unavailable.reason}`);
}

/**
 * The store a logged-in profile already uses (recorded in the config at login). `interactive`
 * (default: the context's) lengthens keychain writes while someone may be unlocking it.
 */
export async function openStore(kind: StoreKind, ctx: StoreContext, interactive?: boolean): Promise<CredentialStore> {
  if (kind === "file") {
    if (storePreference(ctx.env) === "keychain") {
      throw new LgauthError(
        "plain_file_forbidden",
        "this profile's tokens are in the plain file, but LGAUTH_CREDENTIAL_STORE=keychain forbids it",
      );
    }
    return new FileStore(ctx.config.credentialsFile);
  }
  // asked here only: whether someone is at the terminal means looking at stdin
  return openKeychain(timeoutsFor(ctx, interactive ?? ctx.interactive), ctx.env);
}
