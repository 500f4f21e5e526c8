import { ChunkedEntries, type EntryBackend } from "./chunking.js";
import { type CredentialStore, KeychainLockedError, KeychainTimeoutError, KeychainUnavailableError } from "./types.js";

/**
 * How the providers say a write met a locked collection: libsecret (keytar) "Cannot create an
 * item in a locked collection", @napi-rs/keyring "unlock prompt was dismissed" (no one to
 * answer the unlock prompt), macOS "User interaction is not allowed" / errSecInteractionNotAllowed.
 */
const LOCKED = /locked collection|unlock prompt was dismissed|collection is locked|interaction is not allowed/i;

export const SERVICE = "lgauth";
/** The entry `KeychainStore.locked()` writes and removes (it never holds a secret). */
const LOCK_PROBE_ACCOUNT = "lgauth-lock-probe";

/** The keytar calls we use; @napi-rs/keyring is adapted to the same shape (plus an AbortSignal). */
export interface KeytarApi {
  getPassword(service: string, account: string, signal?: AbortSignal): Promise<string | null>;
  setPassword(service: string, account: string, password: string, signal?: AbortSignal): Promise<void>;
  deletePassword(service: string, account: string, signal?: AbortSignal): Promise<boolean>;
}

export type ProviderName = "keytar" | "@napi-rs/keyring";

export interface KeychainProvider {
  name: ProviderName;
  api: KeytarApi;
}

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** One provider by name, uncached (tests run the same suite against both). */
export function loadProviderNamed(name: "keytar" | "napi"): Promise<KeychainProvider> {
  return name === "keytar" ? loadKeytar() : loadNapi();
}

async function loadKeytar(): Promise<KeychainProvider> {
  const mod = (await import("keytar")) as KeytarModule & { default?: KeytarModule };
  const k = mod.default ?? mod;
  if (typeof k.getPassword !== "function") throw new Error("keytar has no getPassword");
  return {
    name: "keytar",
    api: {
      getPassword: (s, a) => k.getPassword(s, a),
      setPassword: (s, a, p) => k.setPassword(s, a, p),
      deletePassword: (s, a) => k.deletePassword(s, a),
    },
  };
}

async function loadNapi(): Promise<KeychainProvider> {
  const { AsyncEntry } = await import("@napi-rs/keyring");
  // On Linux the default silently falls back to the kernel keyring, which forgets everything
  // at reboot; pinning the Secret Service makes "no Secret Service" an error we can report.
  const entry = (s: string, a: string) => new AsyncEntry(s, a, { linux: { store: "secret-service" } });
  return {
    name: "@napi-rs/keyring",
    api: {
      getPassword: (s, a, signal) => entry(s, a).getPassword(signal),
      setPassword: (s, a, p, signal) => entry(s, a).setPassword(p, signal),
      deletePassword: (s, a, signal) => entry(s, a).deletePassword(signal),
    },
  };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0]?.trim() || "unknown error";
}

let cached: Promise<KeychainProvider> | undefined;

/**
 * keytar when it is installed (the brief's choice), else @napi-rs/keyring.
 * LGAUTH_KEYCHAIN_PROVIDER=keytar|napi pins one (tests run the same suite against both).
 */
export function loadProvider(env: NodeJS.ProcessEnv): Promise<KeychainProvider> {
  cached ??= (async () => {
    const want = env.LGAUTH_KEYCHAIN_PROVIDER;
    if (want !== undefined && want !== "keytar" && want !== "napi") {
      throw new KeychainUnavailableError(
        `LGAUTH_KEYCHAIN_PROVIDER must be "keytar" or "napi", not "${want.slice(0, 20)}"`,
      );
    }
    const reasons: string[] = [];
    if (want !== "napi") {
      try {
        return await loadKeytar();
      } catch (err) {
        reasons.push(`keytar: ${firstLine(err)}`);
      }
    }
    if (want !== "keytar") {
      try {
        return await loadNapi();
      } catch (err) {
        reasons.push(`@napi-rs/keyring: ${firstLine(err)}`);
      }
    }
    throw new KeychainUnavailableError(`no keychain library could be loaded (${reasons.join("; ")})`);
  })();
  return cached;
}

export interface KeychainTimeouts {
  readMs: number;
  writeMs: number;
  /** Called once when a write is slow (a person may be unlocking the keyring). */
  onSlowWrite?: () => void;
}

export const DEFAULT_TIMEOUTS: KeychainTimeouts = { readMs: 3_000, writeMs: 5_000 };
/** While a person is at the terminal, an unlock dialog may need time. */
export const INTERACTIVE_WRITE_MS = 60_000;

/**
 * Runs `op` with a deadline. The AbortSignal stops @napi-rs/keyring; keytar calls cannot be
 * cancelled, so a timed-out keytar call is abandoned (the command then fails and exits).
 */
async function withDeadline<T>(
  operation: "read" | "write" | "delete",
  ms: number,
  op: (signal: AbortSignal) => Promise<T>,
  onSlow?: () => void,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let slowTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new KeychainTimeoutError(operation, ms));
      controller.abort();
    }, ms);
  });
  if (onSlow) slowTimer = setTimeout(onSlow, 1_500);
  try {
    return await Promise.race([op(controller.signal), deadline]);
  } catch (err) {
    if (err instanceof KeychainTimeoutError) throw err;
    if (controller.signal.aborted) throw new KeychainTimeoutError(operation, ms);
    // @napi-rs/keyring sets up its D-Bus call on the main thread, so a daemon that hangs is
    // reported by D-Bus's own reply timeout (about 2 s) rather than by our timer.
    if (/did not receive a reply|timed? ?out/i.test(firstLine(err))) throw new KeychainTimeoutError(operation, ms);
    if (LOCKED.test(firstLine(err))) throw new KeychainLockedError(operation);
    throw new KeychainUnavailableError(`the keychain refused the ${operation} (${firstLine(err)})`);
  } finally {
    clearTimeout(timer);
    clearTimeout(slowTimer);
  }
}

class ProviderBackend implements EntryBackend {
  private warned = false;
  constructor(
    private readonly provider: KeychainProvider,
    private readonly timeouts: KeychainTimeouts,
  ) {}

  private slow = () => {
    if (this.warned) return;
    this.warned = true;
    this.timeouts.onSlowWrite?.();
  };

  get(account: string): Promise<string | null> {
    return withDeadline("read", this.timeouts.readMs, (signal) =>
      this.provider.api.getPassword(SERVICE, account, signal),
    );
  }
  set(account: string, value: string): Promise<void> {
    return withDeadline(
      "write",
      this.timeouts.writeMs,
      (signal) => this.provider.api.setPassword(SERVICE, account, value, signal),
      this.slow,
    );
  }
  async delete(account: string): Promise<void> {
    await withDeadline(
      "delete",
      this.timeouts.writeMs,
      (signal) => this.provider.api.deletePassword(SERVICE, account, signal),
      this.slow,
    );
  }
}

function platformStoreName(): string {
  if (process.platform === "darwin") return "macOS Keychain";
  if (process.platform === "win32") return "Windows Credential Manager";
  return "Secret Service";
}

export class KeychainStore implements CredentialStore {
  readonly kind = "keychain" as const;
  readonly description: string;
  private readonly entries: ChunkedEntries;

  constructor(
    readonly provider: KeychainProvider,
    timeouts: KeychainTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.description = `keychain (${platformStoreName()} via ${provider.name})`;
    this.entries = new ChunkedEntries(new ProviderBackend(provider, timeouts));
  }

  get(account: string): Promise<string | null> {
    return this.entries.get(account);
  }
  set(account: string, value: string): Promise<void> {
    return this.entries.set(account, value);
  }
  delete(account: string): Promise<void> {
    return this.entries.delete(account);
  }

  /** A read that proves the keychain answers; throws KeychainUnavailableError or KeychainTimeoutError. */
  async probe(account: string): Promise<void> {
    await this.entries.get(account);
  }

  /**
   * Whether the collection is locked. A locked Secret Service answers every read with "no such
   * entry", so this writes (and removes) a marker entry instead: the write is refused while
   * locked. On a desktop the write may show the unlock dialog, and an unlock answers false.
   */
  async locked(): Promise<boolean> {
    try {
      await this.entries.set(LOCK_PROBE_ACCOUNT, "1");
      await this.entries.delete(LOCK_PROBE_ACCOUNT);
      return false;
    } catch (err) {
      if (err instanceof KeychainLockedError) return true;
      throw err;
    }
  }
}

export async function openKeychain(timeouts: KeychainTimeouts, env: NodeJS.ProcessEnv): Promise<KeychainStore> {
  return new KeychainStore(await loadProvider(env), timeouts);
}
