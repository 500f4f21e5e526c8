import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { LgauthError } from "../util/errors.js";
import { httpUrlProblem } from "../util/http-url.js";
import { PROFILE_NAME } from "./defaults.js";

/** Where a profile keeps its tokens. Tokens themselves never go in this file. */
export type CredentialStoreKind = "keychain" | "file";

export interface ServerSettings {
  supabaseUrl?: string;
  supabaseAnonKey?: string;
  langgraphUrl?: string;
}

/**
 * Servers as saved in the config: URLs, or `localStack`, the data directory of an `lgauth dev`
 * stack whose current URLs are read from its state file (they change when it restarts on other
 * ports). URLs saved beside `localStack` beat the stack's.
 */
export interface SavedServers extends ServerSettings {
  localStack?: string;
}

export interface ProfileConfig extends SavedServers {
  userId?: string;
  email?: string;
  /** The user's display name (user_metadata display_name, full_name or name), for whoami. */
  displayName?: string;
  /** Access-token expiry, unix seconds (not a secret). */
  expiresAt?: number;
  /** The session's assurance level, from its access token: aal2 after a second factor (MFA). */
  aal?: "aal1" | "aal2";
  credentialStore?: CredentialStoreKind;
  /** Why tokens went to that store ("keychain answered", "--insecure-storage", ...), for `status`. */
  credentialReason?: string;
  /** Server clock minus local clock, seconds, from the Date header of auth responses. */
  clockSkew?: number;
  /**
   * Logged in with `login --with-token`: an access token only, no refresh token. Its session is
   * another login's, so `logout` forgets it here and revokes it only when asked (--revoke).
   */
  accessTokenOnly?: true;
}

export interface Config {
  version: 1;
  /**
   * The profile commands use when neither --profile nor LGAUTH_PROFILE names one (set by
   * `lgauth switch`); "default" when absent.
   */
  activeProfile?: string;
  /** Defaults for profiles that name no servers (saved by `lgauth dev`: its data directory). */
  defaults: SavedServers;
  profiles: Record<string, ProfileConfig>;
}

export { PROFILE_NAME };

export function emptyConfig(): Config {
  return { version: 1, defaults: {}, profiles: {} };
}

export class ConfigError extends LgauthError {
  constructor(file: string, field: string, problem: string) {
    super("config_invalid", `config file ${file} is invalid: ${field} ${problem}`, { details: { file, field } });
    this.name = "ConfigError";
  }
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkUrl(file: string, field: string, v: Json): string {
  if (typeof v !== "string") throw new ConfigError(file, field, "must be a string");
  const problem = httpUrlProblem(v);
  if (problem !== undefined) throw new ConfigError(file, field, problem);
  return v;
}

function checkString(file: string, field: string, v: Json): string {
  if (typeof v !== "string" || v === "") throw new ConfigError(file, field, "must be a non-empty string");
  return v;
}

function parseServers(file: string, prefix: string, raw: Record<string, Json>): SavedServers {
  const out: SavedServers = {};
  if (raw.supabaseUrl !== undefined) out.supabaseUrl = checkUrl(file, `${prefix}.supabaseUrl`, raw.supabaseUrl);
  if (raw.supabaseAnonKey !== undefined)
    out.supabaseAnonKey = checkString(file, `${prefix}.supabaseAnonKey`, raw.supabaseAnonKey);
  if (raw.langgraphUrl !== undefined) out.langgraphUrl = checkUrl(file, `${prefix}.langgraphUrl`, raw.langgraphUrl);
  if (raw.localStack !== undefined) {
    if (typeof raw.localStack !== "string" || !isAbsolute(raw.localStack)) {
      throw new ConfigError(file, `${prefix}.localStack`, "must be an absolute path (a local stack's data directory)");
    }
    out.localStack = raw.localStack;
  }
  return out;
}

const PROFILE_KEYS = new Set([
  "supabaseUrl",
  "supabaseAnonKey",
  "langgraphUrl",
  "localStack",
  "userId",
  "email",
  "displayName",
  "expiresAt",
  "aal",
  "credentialStore",
  "credentialReason",
  "clockSkew",
  "accessTokenOnly",
]);

function parseProfile(file: string, name: string, raw: Json): ProfileConfig {
  const prefix = `profiles.${name}`;
  if (!PROFILE_NAME.test(name)) throw new ConfigError(file, prefix, "is not a valid profile name");
  if (!isObject(raw)) throw new ConfigError(file, prefix, "must be an object");
  for (const key of Object.keys(raw)) {
    if (!PROFILE_KEYS.has(key)) throw new ConfigError(file, `${prefix}.${key}`, "is not a known field");
  }
  const p: ProfileConfig = parseServers(file, prefix, raw);
  if (raw.userId !== undefined) p.userId = checkString(file, `${prefix}.userId`, raw.userId);
  if (raw.email !== undefined) p.email = checkString(file, `${prefix}.email`, raw.email);
  if (raw.displayName !== undefined) p.displayName = checkString(file, `${prefix}.displayName`, raw.displayName);
  if (raw.expiresAt !== undefined) {
    if (typeof raw.expiresAt !== "number" || !Number.isFinite(raw.expiresAt) || raw.expiresAt < 0) {
      throw new ConfigError(file, `${prefix}.expiresAt`, "must be a unix time in seconds");
    }
    p.expiresAt = raw.expiresAt;
  }
  if (raw.aal !== undefined) {
    if (raw.aal !== "aal1" && raw.aal !== "aal2")
      throw new ConfigError(file, `${prefix}.aal`, 'must be "aal1" or "aal2"');
    p.aal = raw.aal;
  }
  if (raw.credentialStore !== undefined) {
    if (raw.credentialStore !== "keychain" && raw.credentialStore !== "file") {
      throw new ConfigError(file, `${prefix}.credentialStore`, 'must be "keychain" or "file"');
    }
    p.credentialStore = raw.credentialStore;
  }
  if (raw.credentialReason !== undefined)
    p.credentialReason = checkString(file, `${prefix}.credentialReason`, raw.credentialReason);
  if (raw.clockSkew !== undefined) {
    if (
      typeof raw.clockSkew !== "number" ||
      !Number.isFinite(raw.clockSkew) ||
      Math.abs(raw.clockSkew) > 86_400 * 366
    ) {
      throw new ConfigError(file, `${prefix}.clockSkew`, "must be a number of seconds");
    }
    p.clockSkew = raw.clockSkew;
  }
  if (raw.accessTokenOnly !== undefined) {
    if (raw.accessTokenOnly !== true) throw new ConfigError(file, `${prefix}.accessTokenOnly`, "must be true");
    p.accessTokenOnly = true;
  }
  return p;
}

/** Validates parsed JSON; every problem names the file and the field. */
export function parseConfig(file: string, text: string): Config {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new LgauthError("config_invalid", `config file ${file} is not valid JSON (${why})`, { details: { file } });
  }
  if (!isObject(raw)) throw new ConfigError(file, "(top level)", "must be a JSON object");
  if (raw.version !== 1) throw new ConfigError(file, "version", "must be 1");
  const config = emptyConfig();
  if (raw.activeProfile !== undefined) {
    if (typeof raw.activeProfile !== "string" || !PROFILE_NAME.test(raw.activeProfile)) {
      throw new ConfigError(file, "activeProfile", "must be a profile name");
    }
    config.activeProfile = raw.activeProfile;
  }
  if (raw.defaults !== undefined) {
    if (!isObject(raw.defaults)) throw new ConfigError(file, "defaults", "must be an object");
    config.defaults = parseServers(file, "defaults", raw.defaults);
  }
  if (raw.profiles !== undefined) {
    if (!isObject(raw.profiles)) throw new ConfigError(file, "profiles", "must be an object");
    for (const [name, value] of Object.entries(raw.profiles)) {
      config.profiles[name] = parseProfile(file, name, value);
    }
  }
  return config;
}

export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    // a few kilobytes: read at once (fs/promises' readFile costs a command ~1-2 ms of start-up)
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyConfig();
    throw new LgauthError(
      "config_unreadable",
      `cannot read config file ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return parseConfig(file, text);
}

/**
 * The saved active profile, read synchronously when a command's context is made (before any
 * action runs). Lenient on purpose: a missing or broken file gives undefined here, and the
 * command's own load() then reports a broken file with its field.
 */
export function readActiveProfile(file: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
    const name = isObject(raw) ? raw.activeProfile : undefined;
    return typeof name === "string" && PROFILE_NAME.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

export async function saveConfig(config: Config, file: string): Promise<void> {
  // the write path's helpers load on first write: most commands only read the config
  const { writeFileAtomic } = await import("../util/private-files.js");
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Read-modify-write under a lock file, so two commands saving at once lose nothing. The file
 * is parsed (and so validated) first: a corrupt file stops the update instead of being replaced.
 */
export async function updateConfig<T>(fn: (config: Config) => T | Promise<T>, file: string): Promise<T> {
  const { withFileLock } = await import("./lock.js");
  return withFileLock(`${file}.lock`, async () => {
    const config = await loadConfig(file);
    const result = await fn(config);
    await saveConfig(config, file);
    return result;
  });
}

/**
 * The config of one lgauth home: `config.json` (profiles, defaults), and beside it the plain
 * credentials file and the lock files of file-stored sessions. A command gets its store from
 * its context (the CLI builds it from LGAUTH_CONFIG_DIR / XDG_CONFIG_HOME, the demo and tests
 * from their own folders), so nothing below the CLI looks the location up in the environment.
 */
export class ConfigStore {
  readonly file: string;
  readonly credentialsFile: string;

  constructor(readonly dir: string) {
    this.file = join(dir, "config.json");
    this.credentialsFile = join(dir, "credentials.json");
  }

  load(): Promise<Config> {
    return loadConfig(this.file);
  }

  update<T>(fn: (config: Config) => T | Promise<T>): Promise<T> {
    return updateConfig(fn, this.file);
  }
}
