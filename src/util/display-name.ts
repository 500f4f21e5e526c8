/**
 * A user's display name from Supabase Auth's `user_metadata`: `display_name` (what the Supabase
 * dashboard shows and `lgauth signup --name` sets), then `full_name` and `name` (what OAuth
 * providers fill in). The metadata is the user's own to write, so the name is made safe to
 * print and to hand to a model: control characters (terminal escapes, newlines) become spaces,
 * runs of spaces one, and it is cut at MAX_DISPLAY_NAME characters. Undefined when none is set.
 */
export const DISPLAY_NAME_KEYS = ["display_name", "full_name", "name"] as const;
export const MAX_DISPLAY_NAME = 100;

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function cleanDisplayName(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const clean = value.replace(CONTROL, " ").replace(/\s+/g, " ").trim();
  if (clean === "") return undefined;
  const chars = [...clean];
  return chars.length > MAX_DISPLAY_NAME ? chars.slice(0, MAX_DISPLAY_NAME).join("").trimEnd() : clean;
}

export function displayNameOf(metadata: unknown): string | undefined {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return undefined;
  const m = metadata as Record<string, unknown>;
  for (const key of DISPLAY_NAME_KEYS) {
    const name = cleanDisplayName(m[key]);
    if (name !== undefined) return name;
  }
  return undefined;
}
