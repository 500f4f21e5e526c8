import { displayNameOf } from "../util/display-name.js";

/** Claims we read from an access token without verifying it (the server verifies; we only schedule). */
export interface AccessClaims {
  sub?: string;
  email?: string;
  exp?: number;
  iat?: number;
  session_id?: string;
  /** Authenticator assurance level: aal2 once a second factor (MFA) was verified in this session. */
  aal?: Aal;
  /** The display name in the token's user_metadata (display_name, full_name or name), as it was when issued. */
  displayName?: string;
}

export type Aal = "aal1" | "aal2";

export function decodeClaims(token: string): AccessClaims | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const raw: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof raw !== "object" || raw === null) return null;
    const r = raw as Record<string, unknown>;
    const out: AccessClaims = {};
    if (typeof r.sub === "string") out.sub = r.sub;
    if (typeof r.email === "string") out.email = r.email;
    if (typeof r.exp === "number") out.exp = r.exp;
    if (typeof r.iat === "number") out.iat = r.iat;
    if (typeof r.session_id === "string") out.session_id = r.session_id;
    if (r.aal === "aal1" || r.aal === "aal2") out.aal = r.aal;
    const name = displayNameOf(r.user_metadata);
    if (name !== undefined) out.displayName = name;
    return out;
  } catch {
    return null;
  }
}

/**
 * The server's clock as seen from here. Token expiry is a server timestamp, so "expires in
 * 60 s" is judged against local time plus the skew measured from auth responses' Date headers.
 */
export class ServerClock {
  constructor(public skewSeconds = 0) {}
  /** True once a Date header was seen in this process. */
  measured = false;

  nowSeconds(localMs = Date.now()): number {
    return localMs / 1000 + this.skewSeconds;
  }

  /** `date` is the HTTP Date header (1 s resolution, truncated), measured over [sentMs, receivedMs]. */
  observe(date: string | null, sentMs: number, receivedMs: number): void {
    if (!date) return;
    const server = Date.parse(date);
    if (Number.isNaN(server)) return;
    const local = (sentMs + receivedMs) / 2;
    const skew = (server + 500 - local) / 1000;
    // Sub-second differences are noise from the header's resolution; keep the clock steady.
    this.skewSeconds = Math.abs(skew) < 1 ? 0 : Math.round(skew);
    this.measured = true;
  }

  /** Seconds the token stays valid, by the server's clock; -Infinity when its expiry is unknown. */
  secondsLeft(token: string, localMs = Date.now()): number {
    const exp = decodeClaims(token)?.exp;
    if (exp === undefined) return Number.NEGATIVE_INFINITY;
    return exp - this.nowSeconds(localMs);
  }
}
