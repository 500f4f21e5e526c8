import { LgauthError } from "../../util/errors.js";

export type StoreKind = "keychain" | "file";

/**
 * Where secrets live. Keys are account names (`<profile>@<host>`, `<profile>@<host>#access`);
 * values are opaque strings. `get` resolves null for a missing entry and rejects when the
 * store cannot be read (locked, unreachable, timed out): those two must never be confused,
 * or an unreadable keychain would look like a logged-out profile.
 */
export interface CredentialStore {
  readonly kind: StoreKind;
  /** For people: "keychain (Secret Service via keytar)", "file /home/a/.config/lgauth/credentials.json". */
  readonly description: string;
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  /** Removes the entry; a missing entry is not an error. */
  delete(account: string): Promise<void>;
  /**
   * True when the store is locked (a keychain whose collection must be unlocked first). A locked
   * Secret Service answers reads with "no such entry", so a missing token is checked with this.
   */
  locked?(): Promise<boolean>;
}

/** The keychain's collection is locked: reads find nothing and writes are refused until it is unlocked. */
export class KeychainLockedError extends LgauthError {
  constructor(operation: "read" | "write" | "delete") {
    super(
      "keychain_locked",
      operation === "read"
        ? "the keychain is locked, so the tokens stored there cannot be read"
        : "the keychain is locked, so tokens cannot be stored there",
      { details: { platform: process.platform } },
    );
    this.name = "KeychainLockedError";
  }
}

/** No keychain answered: not installed, no D-Bus / Secret Service, or it refused. */
export class KeychainUnavailableError extends LgauthError {
  readonly reason: string;
  constructor(reason: string) {
    super("keychain_unavailable", `no keychain available: ${reason}`);
    this.name = "KeychainUnavailableError";
    this.reason = reason;
  }
}

/** The keychain did not answer in time (locked, waiting for a prompt nobody sees, hung daemon). */
export class KeychainTimeoutError extends LgauthError {
  constructor(operation: "read" | "write" | "delete", ms: number) {
    super("keychain_timeout", `the keychain did not answer a ${operation} within ${Math.round(ms / 100) / 10} s`);
    this.name = "KeychainTimeoutError";
  }
}
