/**
 * oidc-provider's storage contract kept in memory: one store per provider, entries dropped
 * when they expire, and indexes for what the provider looks up by other keys (grant id,
 * session uid, user code). Restarting the provider forgets every session and grant, which is
 * what a local development fixture wants.
 */
import type { Adapter, AdapterPayload } from "oidc-provider";

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

export type AdapterClass = new (model: string) => Adapter;

export function memoryAdapter(now: () => number = Date.now): AdapterClass {
  const entries = new Map<string, Entry>();
  const byGrant = new Map<string, Set<string>>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();

  const live = (key: string | undefined): AdapterPayload | undefined => {
    if (key === undefined) return undefined;
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e.payload;
  };

  const sweep = () => {
    const t = now();
    for (const [key, e] of entries) if (e.expiresAt <= t) entries.delete(key);
    for (const [k, v] of byUid) if (!entries.has(v)) byUid.delete(k);
    for (const [k, v] of byUserCode) if (!entries.has(v)) byUserCode.delete(k);
    for (const [k, set] of byGrant) {
      for (const key of set) if (!entries.has(key)) set.delete(key);
      if (set.size === 0) byGrant.delete(k);
    }
  };

  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (entries.size > 10_000) sweep();
      const key = this.key(id);
      const seconds = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 24 * 3600;
      entries.set(key, { payload: { ...payload }, expiresAt: now() + seconds * 1000 });
      if (payload.grantId) {
        const set = byGrant.get(payload.grantId) ?? new Set<string>();
        set.add(key);
        byGrant.set(payload.grantId, set);
      }
      if (payload.uid) byUid.set(payload.uid, key);
      if (payload.userCode) byUserCode.set(payload.userCode, key);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(this.key(id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return live(byUid.get(uid));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return live(byUserCode.get(userCode));
    }

    async consume(id: string): Promise<void> {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      entries.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) entries.delete(key);
      byGrant.delete(grantId);
    }
  };
}
