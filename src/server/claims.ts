import type { JWTPayload } from "jose";

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
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function permissionsFrom(appMetadata: unknown): string[] {
  if (typeof appMetadata !== "object" || appMetadata === null) return [];
  const raw = (appMetadata as Record<string, unknown>).permissions;
  return Array.isArray(raw) ? raw.filter((p): p is string => typeof p === "string" && p !== "") : [];
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
  return {
    id: sub,
    email: stringOrUndefined(payload.email),
    sessionId: stringOrUndefined(payload.session_id),
    role: stringOrUndefined(payload.role),
    permissions: permissionsFrom(payload.app_metadata),
  };
}
