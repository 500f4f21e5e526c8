import { chmodSync, readFileSync, statSync } from "node:fs";
import { LgauthError } from "../../util/errors.js";
import type { CredentialStore } from "./types.js";

interface FileShape {
  version: 1;
  entries: Record<string, string>;
}

/**
 * Plain-text fallback, used only with consent: `credentials.json`, 0600 in the 0700 config
 * directory, replaced atomically under a lock so parallel commands never lose an update.
 */
export class FileStore implements CredentialStore {
  readonly kind = "file" as const;
  readonly description: string;

  /** `beforeFirstWrite` runs once, just before the first secret is written (to warn about it). */
  constructor(
    readonly path: string,
    private beforeFirstWrite?: () => void,
  ) {
    this.description = `plain file ${path}`;
  }

  private async read(): Promise<FileShape> {
    let text: string;
    try {
      // a few kilobytes, read at once (a command that only reads its token pays no more)
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, entries: {} };
      throw new LgauthError(
        "credentials_unreadable",
        `cannot read ${this.path} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
    // Someone loosened the mode by hand: tighten it before going on.
    const info = statSync(this.path);
    if ((info.mode & 0o077) !== 0) chmodSync(this.path, 0o600);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw corrupt(this.path);
    }
    if (typeof raw !== "object" || raw === null || (raw as FileShape).version !== 1) throw corrupt(this.path);
    const entries = (raw as FileShape).entries;
    if (typeof entries !== "object" || entries === null || Array.isArray(entries)) throw corrupt(this.path);
    for (const v of Object.values(entries)) if (typeof v !== "string") throw corrupt(this.path);
    return { version: 1, entries: { ...entries } };
  }

  private async update(fn: (entries: Record<string, string>) => boolean): Promise<void> {
    // the write path's helpers load on first write
    const [{ withFileLock }, { writeFileAtomic }] = await Promise.all([
      import("../lock.js"),
      import("../../util/private-files.js"),
    ]);
    await withFileLock(`${this.path}.lock`, async () => {
      const data = await this.read();
      if (fn(data.entries)) await writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`);
    });
  }

  async get(account: string): Promise<string | null> {
    const data = await this.read();
    return Object.hasOwn(data.entries, account) ? (data.entries[account] ?? null) : null;
  }

  async set(account: string, value: string): Promise<void> {
    const announce = this.beforeFirstWrite;
    this.beforeFirstWrite = undefined;
    announce?.();
    await this.update((entries) => {
      entries[account] = value;
      return true;
    });
  }

  async delete(account: string): Promise<void> {
    await this.update((entries) => {
      if (!Object.hasOwn(entries, account)) return false;
      delete entries[account];
      return true;
    });
  }
}

function corrupt(path: string): LgauthError {
  return new LgauthError("credentials_invalid", `credentials file ${path} is not valid`, { details: { path } });
}
