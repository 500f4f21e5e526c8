/** "in 59 min", "in 40 s", "expired 3 min ago" for a unix time, against `now` (seconds). */
export function relativeExpiry(expiresAt: number | undefined, now = Date.now() / 1000): string {
  if (expiresAt === undefined) return "unknown";
  const d = Math.round(expiresAt - now);
  const span = (s: number) =>
    s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  return d >= 0 ? `in ${span(d)}` : `${span(-d)} ago`;
}

export function isoTime(unixSeconds: number | undefined): string | null {
  return unixSeconds === undefined ? null : new Date(unixSeconds * 1000).toISOString();
}

/** "Ada Lovelace <ada@example.com>", or the email alone when the user has no display name. */
export function userLabel(email: string | undefined, displayName: string | undefined): string {
  const address = email ?? "(no email)";
  return displayName ? `${displayName} <${address}>` : address;
}
