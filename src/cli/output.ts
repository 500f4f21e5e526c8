/** Pure formatting for people: colours and aligned tables (writing is IOStreams's job). */
const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
export type Style = keyof typeof codes;

export function paint(enabled: boolean, style: Style, text: string): string {
  if (!enabled) return text;
  const [open, close] = codes[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
const ANSI = /\u001b\[[0-9;]*m/g;
function visibleLength(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

/** "12s ago", "5m ago", "3h ago", "2d ago" for an ISO time (as `threads list` and `runs list` show). */
export function timeAgo(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(s)) return iso;
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** "showing 20 of 57 (…)" under a list cut short by its limit, or nothing when nothing was cut. */
export function shownOf(shown: number, total: number, more: string): string | undefined {
  return total > shown ? `showing ${shown} of ${total} (${more})` : undefined;
}

/** A plain aligned table for people; cells are strings, headers in upper case. */
export function formatTable(headers: string[], rows: string[][], color = false): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const pad = (cell: string, i: number) =>
    i === headers.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell));
  const head = headers.map((h, i) => pad(paint(color, "bold", h.toUpperCase()), i)).join("  ");
  const body = rows.map((r) =>
    headers
      .map((_, i) => pad(r[i] ?? "", i))
      .join("  ")
      .trimEnd(),
  );
  return [head.trimEnd(), ...body].join("\n");
}
