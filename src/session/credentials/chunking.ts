/**
 * Splits long values across entries. Windows' credential store holds at most 2,560 bytes
 * (1,280 UTF-16 characters) per entry; a Supabase access token with user metadata can be
 * longer. A long value is stored as chunks under fresh names first, then the main entry is
 * switched to a header naming them (the commit point), then the previous chunks are
 * removed: a crash at any step leaves the old or the new value readable, never a mix.
 */
export const CHUNK_SIZE = 1200;
const HEADER = "lgauth-chunked:1:";

/** The primitive operations of a keychain: one short value per account. */
export interface EntryBackend {
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<void>;
}

interface Header {
  generation: string;
  count: number;
}

function parseHeader(value: string | null): Header | null {
  if (value === null || !value.startsWith(HEADER)) return null;
  const [generation, count] = value.slice(HEADER.length).split(":");
  const n = Number(count);
  if (!generation || !/^[0-9a-f]{8,32}$/.test(generation) || !Number.isInteger(n) || n < 1 || n > 64) return null;
  return { generation, count: n };
}

export function chunkAccount(account: string, generation: string, index: number): string {
  return `${account}~${generation}~${index}`;
}

export function splitValue(value: string, size = CHUNK_SIZE): string[] {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += size) parts.push(value.slice(i, i + size));
  return parts;
}

export class ChunkedEntries {
  constructor(
    private readonly backend: EntryBackend,
    private readonly size = CHUNK_SIZE,
  ) {}

  async get(account: string): Promise<string | null> {
    const main = await this.backend.get(account);
    const header = parseHeader(main);
    if (!header) return main;
    const parts: string[] = [];
    for (let i = 0; i < header.count; i++) {
      const part = await this.backend.get(chunkAccount(account, header.generation, i));
      // A chunk missing under a committed header means the entries were changed by hand.
      if (part === null) return null;
      parts.push(part);
    }
    return parts.join("");
  }

  async set(account: string, value: string): Promise<void> {
    const previous = parseHeader(await this.backend.get(account));
    if (value.length <= this.size && !value.startsWith(HEADER)) {
      await this.backend.set(account, value);
    } else {
      const generation = process.getBuiltinModule("node:crypto").randomBytes(6).toString("hex");
      const parts = splitValue(value, this.size);
      for (const [i, part] of parts.entries()) await this.backend.set(chunkAccount(account, generation, i), part);
      await this.backend.set(account, `${HEADER}${generation}:${parts.length}`);
    }
    if (previous) await this.deleteChunks(account, previous);
  }

  async delete(account: string): Promise<void> {
    const previous = parseHeader(await this.backend.get(account));
    await this.backend.delete(account);
    if (previous) await this.deleteChunks(account, previous);
  }

  private async deleteChunks(account: string, header: Header): Promise<void> {
    for (let i = 0; i < header.count; i++) await this.backend.delete(chunkAccount(account, header.generation, i));
  }
}
