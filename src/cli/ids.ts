import { UsageError } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Thread and run ids are UUIDs; anything else is a usage error before any request. */
export function requireUuid(kind: "thread" | "run", value: string): string {
  if (!UUID.test(value)) {
    throw new UsageError(
      `"${value.slice(0, 60)}" is not a ${kind} id`,
      `${kind} ids are UUIDs; see \`lgauth threads list\``,
    );
  }
  return value.toLowerCase();
}

/** `k=v` pairs from repeatable --metadata flags; `owner` is the server's to set. */
export function parseMetadata(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--metadata "${pair.slice(0, 60)}" is not key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
