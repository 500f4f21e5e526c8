import { note } from "../../cli/output.js";
import { canPrompt } from "../../cli/prompts.js";
import { CliError, UsageError } from "../../cli/errors.js";
import { DEFAULT_TIMEOUTS, INTERACTIVE_WRITE_MS, openKeychain, type KeychainTimeouts } from "./keychain.js";
import { credentialsFile, FileStore } from "./file.js";
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

export interface ChooseOptions {
  env: NodeJS.ProcessEnv;
  /** `--insecure-storage` was given. */
  insecureStorage: boolean;
  /** Account to probe the keychain with (a harmless read). */
  probeAccount: string;
  /** Asks the person at the terminal; undefined when nobody can be asked. */
  confirm?: (question: string) => Promise<boolean>;
}

function timeoutsFor(interactive: boolean): KeychainTimeouts {
  if (!interactive) return DEFAULT_TIMEOUTS;
  return {
    ...DEFAULT_TIMEOUTS,
    writeMs: INTERACTIVE_WRITE_MS,
    onSlowWrite: () => note("lgauth: waiting for the keychain (unlock it if your system asks)…"),
  };
}

/** The file store, announcing on stderr just before it first writes a token. */
function plainFile(path: string, why: string): FileStore {
  return new FileStore(path, () =>
    note(`lgauth: warning: storing tokens in plain text in ${path} (mode 0600) because ${why}`),
  );
}

/**
 * Where `login`/`signup` put new tokens. The keychain when it answers; the plain file only with
 * consent (a yes at the prompt, --insecure-storage or LGAUTH_CREDENTIAL_STORE=file), said on
 * stderr just before the first token is written. A keychain that times out is an error, never a reason to
 * fall back: it is probably locked, and the person should unlock it rather than lose security.
 */
export async function chooseStoreForLogin(opts: ChooseOptions): Promise<ChosenStore> {
  const pref = storePreference(opts.env);
  const path = credentialsFile(opts.env);
  if (pref === "file") {
    return {
      store: plainFile(path, "LGAUTH_CREDENTIAL_STORE=file"),
      kind: "file",
      reason: "LGAUTH_CREDENTIAL_STORE=file",
    };
  }
  let unavailable: KeychainUnavailableError;
  try {
    const keychain = await openKeychain(timeoutsFor(opts.confirm !== undefined), opts.env);
    await keychain.probe(opts.probeAccount);
    return { store: keychain, kind: "keychain", reason: "the keychain answered" };
  } catch (err) {
    if (!(err instanceof KeychainUnavailableError)) throw err;
    unavailable = err;
  }
  if (pref === "keychain") {
    throw new CliError(`no keychain available: ${unavailable.reason}`, {
      hint: "LGAUTH_CREDENTIAL_STORE=keychain forbids the plain-file fallback; start a Secret Service or unset it",
    });
  }
  if (opts.insecureStorage) {
    return {
      store: plainFile(path, `no keychain answered (${unavailable.reason}) and --insecure-storage was given`),
      kind: "file",
      reason: "no keychain answered; --insecure-storage",
    };
  }
  if (opts.confirm) {
    note(`lgauth: no keychain available: ${unavailable.reason}`);
    const yes = await opts.confirm(`Store your tokens in plain text in ${path} (mode 0600) instead?`);
    if (yes) {
      return {
        store: plainFile(path, "you agreed at the prompt"),
        kind: "file",
        reason: "no keychain answered; agreed at the prompt",
      };
    }
    throw new CliError("not logged in: no keychain and no consent to a plain-text file", {
      hint: "start a Secret Service (gnome-keyring), or rerun with --insecure-storage",
    });
  }
  throw new CliError(`no keychain available: ${unavailable.reason}`, {
    hint: "to store tokens in a 0600 plain file instead, pass --insecure-storage or set LGAUTH_CREDENTIAL_STORE=file",
  });
}

/** The store a logged-in profile already uses (recorded in the config at login). */
export async function openStore(
  kind: StoreKind,
  env: NodeJS.ProcessEnv,
  interactive = canPrompt(),
): Promise<CredentialStore> {
  if (kind === "file") {
    if (storePreference(env) === "keychain") {
      throw new CliError(
        "this profile's tokens are in the plain file, but LGAUTH_CREDENTIAL_STORE=keychain forbids it",
        {
          hint: "unset LGAUTH_CREDENTIAL_STORE, or log in again to move the tokens to the keychain",
        },
      );
    }
    return new FileStore(credentialsFile(env));
  }
  return openKeychain(timeoutsFor(interactive), env);
}
