/**
 * Constants the CLI's argument parsers need at start-up, in a module that imports nothing, so
 * parsing flags does not load the config and settings code (and what they import).
 */
export const BUILTIN_DEFAULTS = {
  supabaseUrl: "http://127.0.0.1:54321",
  langgraphUrl: "http://127.0.0.1:2024",
} as const;

/** A profile's name: letters, digits, '.', '_' and '-', starting with a letter or digit. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
