/**
 * Ids as people type them: a whole id, or (as git takes short hashes) the start of one of the
 * ids the caller may name, when it is unique among them.
 */
import { UsageError } from "./errors.js";

/**
 * The one item of `items` whose id (`idOf`) starts with `prefix`. None is `notFound(message)`;
 * several are a usage error showing as many characters of the first three as tell them apart.
 * `where` ends in a space when given ("of yours ").
 */
export function pickByPrefix<T>(
  kind: string,
  prefix: string,
  items: readonly T[],
  idOf: (item: T) => string,
  where: string,
  notFound: (message: string) => Error,
): T {
  const byId = new Map<string, T>();
  for (const item of items) if (idOf(item).startsWith(prefix)) byId.set(idOf(item), item);
  const matches = [...byId.keys()];
  const [only] = byId.values();
  if (byId.size === 1 && only !== undefined) return only;
  if (matches.length === 0) throw notFound(`no ${kind} ${where}starts with "${prefix}"`);
  // LangGraph's ids are time-ordered (UUIDv7): ids made in the same minute share their first
  // 8 characters, so show as many as tell these apart
  let distinct = prefix.length + 1;
  while (distinct < 36 && new Set(matches.map((id) => id.slice(0, distinct))).size < matches.length) distinct++;
  const shown = matches
    .slice(0, 3)
    .map((id) => id.slice(0, distinct))
    .join(", ");
  throw new UsageError(
    `"${prefix}" is the start of ${matches.length} ${kind}s ${where}(${shown}${matches.length > 3 ? ", …" : ""})`,
    "type more of the id",
  );
}
