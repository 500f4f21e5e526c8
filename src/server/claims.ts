import type { JWTPayload } from "jose";
import { displayNameOf } from "../util/display-name.js";

/** What the server trusts from a verified Supabase access token (or from /auth/v1/user). */
export interface VerifiedUser {
  /** The user's UUID (`sub`); never empty. */
  id: string;
  email: string | undefined;
  /** `session_id` claim, when the token has one. */
  sessionId: string | undefined;
  role: string | undefined;
  /** Strings an admin put in `app_metadata.permissions` (users cannot write app_metadata). */
  permissions: string[];
  /** The token's `aal` claim (authenticator assurance level); undefined when it has none. */
  aal?: Aal | undefined;
  /**
   * The user's display name from user_metadata (display_name, then full_name, then name, as
   * OAuth providers fill them), cleaned for printing; undefined when none is set.
   */
  displayName?: string | undefined;
}

export type Aal = "aal1" | "aal2";

/** Permission names the server grants from the token's level; never taken from app_metadata. */
export const LEVEL_PERMISSIONS: readonly string[] = ["aal1", "aal2"];

export function aalOf(claim: unknown): Aal | undefined {
  return claim === "aal1" || claim === "aal2" ? claim : undefined;
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function permissionsFrom(appMetadata: unknown): string[] {
  if (typeof appMetadata !== "object" || appMetadata === null) return [];
  const raw = (appMetadata as Record<string, unknown>).permissions;
  if (!Array.isArray(raw)) return [];
  return raw.filter((p): p is string => typeof p === "string" && p !== "" && !LEVEL_PERMISSIONS.includes(p));
}

/**
 * Longest `sub` accepted. Supabase's are UUIDs (36); the bound keeps a huge, validly signed
 * subject from being stamped into every thread's metadata and compared on every filter.
 */
export const MAX_SUBJECT_LENGTH = 255;

/** Returns undefined when the payload names no user (missing, empty, oversized or non-string `sub`). */
export function userFromClaims(payload: JWTPayload): VerifiedUser | undefined {
  const sub = typeof payload.sub === "string" ? payload.sub.trim() : "";
  if (sub === "" || sub.length > MAX_SUBJECT_LENGTH) return undefined;
  const aal = aalOf(payload.aal);
  const displayName = displayNameOf(payload.user_metadata);
  return {
    id: sub,
    email: stringOrUndefined(payload.email),
    sessionId: stringOrUndefined(payload.session_id),
    role: stringOrUndefined(payload.role),
    permissions: permissionsFrom(payload.app_metadata),
    ...(aal ? { aal } : {}),
    ...(displayName ? { displayName } : {}),
  };
}
