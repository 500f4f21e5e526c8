/**
 * The patterns of GoTrue's redirect allow list (GOTRUE_URI_ALLOW_LIST, the Supabase CLI's
 * `additional_redirect_urls`): gobwas/glob compiled with '.' and '/' as separators, as GoTrue
 * compiles them. `*` is any run of characters without a separator, `**` any run at all, `?` one
 * non-separator character, `[abc]` / `[a-z]` / `[!abc]` one character of (or not of) a class,
 * `{a,b}` either alternative, `\` escapes the next character. The whole URL must match.
 */

const SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;
const escapeRegex = (s: string) => s.replace(SPECIAL, "\\$&");

/** Compiles one allow-list pattern; throws a RangeError naming the pattern when it is malformed. */
export function compileUriGlob(pattern: string): RegExp {
  let i = 0;
  const fail = (why: string): never => {
    throw new RangeError(`redirect URL pattern ${JSON.stringify(pattern.slice(0, 200))}: ${why}`);
  };

  // parses until one of `stops` (inside braces) or the end; returns the regex source
  const sequence = (stops: string): string => {
    let out = "";
    while (i < pattern.length) {
      const c = pattern[i]!;
      if (stops.includes(c)) return out;
      i += 1;
      if (c === "\\") {
        if (i >= pattern.length) fail("ends with an escape");
        out += escapeRegex(pattern[i]!);
        i += 1;
      } else if (c === "*") {
        if (pattern[i] === "*") {
          while (pattern[i] === "*") i += 1;
          out += "[\\s\\S]*";
        } else {
          out += "[^./]*";
        }
      } else if (c === "?") {
        out += "[^./]";
      } else if (c === "[") {
        out += charClass();
      } else if (c === "{") {
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(sequence(",}"));
          if (i >= pattern.length) fail("has an unclosed {");
          const sep = pattern[i];
          i += 1;
          if (sep === "}") break;
        }
        out += `(?:${alternatives.join("|")})`;
      } else {
        out += escapeRegex(c);
      }
    }
    if (stops) fail("has an unclosed {");
    return out;
  };

  const charClass = (): string => {
    let negate = false;
    if (pattern[i] === "!") {
      negate = true;
      i += 1;
    }
    let body = "";
    let first = true;
    while (i < pattern.length && (pattern[i] !== "]" || first)) {
      first = false;
      const lo = pattern[i]!;
      if (pattern[i + 1] === "-" && pattern[i + 2] !== undefined && pattern[i + 2] !== "]") {
        const hi = pattern[i + 2]!;
        if (hi < lo) fail(`has a reversed range ${lo}-${hi}`);
        body += `${escapeRegex(lo)}-${escapeRegex(hi)}`;
        i += 3;
      } else {
        body += escapeRegex(lo);
        i += 1;
      }
    }
    if (pattern[i] !== "]") fail("has an unclosed [");
    i += 1;
    return `[${negate ? "^" : ""}${body}]`;
  };

  const source = sequence("");
  return new RegExp(`^${source}$`);
}
