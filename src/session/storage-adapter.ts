import type { SessionAccounts } from "./accounts.js";
import { type Aal, decodeClaims, type ServerClock } from "./clock.js";
import type { CredentialStore } from "./credentials/types.js";
import { displayNameOf } from "../util/display-name.js";

/** supabase-js's storage key for our clients (one client per profile, so one fixed key). */
export const STORAGE_KEY = "lgauth-session";
/** supabase-js refreshes when `expires_at` is within this many seconds (auth-js EXPIRY_MARGIN_MS). */
const SUPABASE_MARGIN_S = 90;

/** What was last written, so the caller can update the (non-secret) config afterwards. */
export interface SavedSession {
  accessToken: string;
  refreshToken: string;
  userId: string | undefined;
  email: string | undefined;
  expiresAt: number | undefined;
  /** The session's assurance level (aal2 after a verified second factor). */
  aal: Aal | undefined;
  /** The user's display name (user_metadata), when they have one. */
  displayName: string | undefined;
}

export interface AdapterOptions {
  store: CredentialStore;
  accounts: SessionAccounts;
  clock: ServerClock;
  /** Refresh when the access token has fewer seconds than this left, by the server's clock. */
  minValiditySeconds: number;
  /**
   * Present the session as expired so supabase-js refreshes it, while the stored access token
   * is still the given one (`true`: the one stored when the operation began) (a server rejected it; if another process
   * has refreshed meanwhile, its token is used instead of refreshing again).
   */
  force?: true | string;
  /** Runs after a new session is stored, still under the lock (records expiry and skew). */
  onSaved?: (saved: SavedSession) => Promise<void>;
  /**
   * Hold new sessions in memory until `commit()` (a login): a login that still needs its second
   * factor, or fails on it, stores nothing and leaves the profile's previous session in place.
   */
  deferWrites?: boolean;
}

interface StoredTokens {
  access: string | null;
  refresh: string | null;
}

/**
 * The display name of a session supabase-js stores: from its user object when that carries the
 * metadata (after updateUser it is newer than the token's claims), else from the token.
 */
function displayNameFrom(metadata: unknown, fromToken: string | undefined): string | undefined {
  const known = typeof metadata === "object" && metadata !== null && Object.keys(metadata).length > 0;
  return known ? displayNameOf(metadata) : fromToken;
}

/**
 * supabase-js `storage` over a credential store. The session JSON supabase-js keeps is split:
 * the refresh token and access token go to two entries of the store, user id, email and
 * expiry are derived from the access token. Reads are cached only inside one critical section
 * of the profile lock (cleared when the lock is taken), so every locked operation sees the
 * latest state written by other processes.
 *
 * `expires_at` is presented shifted so that supabase-js's own "refresh when < 90 s left by the
 * local clock" means "< minValiditySeconds left by the server's clock".
 *
 * supabase-js removes the session on some refresh errors by itself; removal here happens only
 * when `allowRemoval` is set, so a proxy's error page or an unexpected status never destroys
 * credentials. lgauth clears them itself on the errors that really end a session.
 */
export class CredentialStorage {
  private cache: StoredTokens | null = null;
  private memory = new Map<string, string>();
  allowRemoval = false;
  saved: SavedSession | null = null;
  removed = false;
  /** With `force: true`, the access token stored when the operation began (refreshed away once). */
  private forcedToken: string | null | undefined;
  /** The refresh token last handed to supabase-js (to clear exactly it when it is refused). */
  presentedRefreshToken: string | null = null;
  /** With `deferWrites`: the session supabase-js handed over, not yet in the store (its JSON). */
  private pending: string | null = null;

  constructor(private readonly opts: AdapterOptions) {}

  /** Called when the profile lock is taken: forget cached reads. */
  invalidate(): void {
    this.cache = null;
  }

  private async tokens(): Promise<StoredTokens> {
    if (!this.cache) {
      const refresh = await this.opts.store.get(this.opts.accounts.refresh);
      const access = await this.opts.store.get(this.opts.accounts.access);
      this.cache = { access, refresh };
    }
    return this.cache;
  }

  async getItem(key: string): Promise<string | null> {
    if (key !== STORAGE_KEY) return this.memory.get(key) ?? null;
    if (this.pending !== null) return this.pending;
    const { access, refresh } = await this.tokens();
    if (!refresh) return null;
    this.presentedRefreshToken = refresh;
    const claims = access ? decodeClaims(access) : null;
    let expiresAt = 1; // unknown or missing access token: present as expired, so it is refreshed
    if (access && claims?.exp !== undefined) {
      expiresAt = claims.exp - this.opts.clock.skewSeconds + (SUPABASE_MARGIN_S - this.opts.minValiditySeconds);
    }
    const force = this.opts.force;
    if (force === true && this.forcedToken === undefined) this.forcedToken = access;
    const rejected = force === true ? this.forcedToken : force;
    if (rejected !== undefined && rejected === access) expiresAt = 1;
    const session = {
      access_token: access ?? "missing",
      refresh_token: refresh,
      token_type: "bearer",
      expires_at: expiresAt,
      expires_in: Math.max(0, Math.round(expiresAt - Date.now() / 1000)),
      user: {
        id: claims?.sub ?? "",
        aud: "authenticated",
        role: "authenticated",
        email: claims?.email ?? "",
        app_metadata: {},
        user_metadata: {},
        created_at: "",
      },
    };
    return JSON.stringify(session);
  }

  async setItem(key: string, value: string): Promise<void> {
    if (key !== STORAGE_KEY) {
      this.memory.set(key, value);
      return;
    }
    if (this.opts.deferWrites) {
      this.pending = value;
      return;
    }
    await this.write(value);
  }

  /** The access token of the session held back by `deferWrites`, if any. */
  get pendingAccessToken(): string | undefined {
    if (this.pending === null) return undefined;
    const token = (JSON.parse(this.pending) as { access_token?: unknown }).access_token;
    return typeof token === "string" ? token : undefined;
  }

  /** Writes the session held back by `deferWrites` to the store (call under the profile lock). */
  async commit(): Promise<void> {
    const value = this.pending;
    if (value === null) return;
    await this.write(value);
    this.pending = null;
  }

  private async write(value: string): Promise<void> {
    const session = JSON.parse(value) as {
      access_token?: unknown;
      refresh_token?: unknown;
      user?: { id?: unknown; email?: unknown; user_metadata?: unknown } | null;
    };
    if (typeof session.access_token !== "string" || typeof session.refresh_token !== "string") {
      throw new Error("supabase-js handed over a session without tokens");
    }
    // The refresh token first: it is the one that cannot be recovered. A crash between the
    // two writes leaves the new refresh token with the old access token, which at worst is
    // refreshed once more (the server returns the active token for its parent).
    await this.opts.store.set(this.opts.accounts.refresh, session.refresh_token);
    await this.opts.store.set(this.opts.accounts.access, session.access_token);
    this.cache = { access: session.access_token, refresh: session.refresh_token };
    const claims = decodeClaims(session.access_token);
    this.saved = {
      accessToken: session.access_token,
      refreshToken: session.refresh_token,
      userId: typeof session.user?.id === "string" ? session.user.id : claims?.sub,
      email: typeof session.user?.email === "string" ? session.user.email : claims?.email,
      expiresAt: claims?.exp,
      aal: claims?.aal,
      displayName: displayNameFrom(session.user?.user_metadata, claims?.displayName),
    };
    this.removed = false;
    await this.opts.onSaved?.(this.saved);
  }

  async removeItem(key: string): Promise<void> {
    if (key !== STORAGE_KEY) {
      this.memory.delete(key);
      return;
    }
    if (this.pending !== null) {
      this.pending = null;
      return;
    }
    if (!this.allowRemoval) return;
    await this.opts.store.delete(this.opts.accounts.refresh);
    await this.opts.store.delete(this.opts.accounts.access);
    this.cache = { access: null, refresh: null };
    this.removed = true;
  }
}
