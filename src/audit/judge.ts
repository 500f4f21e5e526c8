/**
 * How a probe's answer is judged: the statuses each verdict allows, and the second looks
 * (aftermaths) that find what a status cannot show: data changed, copied, planted or drained.
 */
import type { Ask, Fixture } from "./fixture.js";
import type { ProbeResponse } from "./http.js";
import type { Aftermath, Verdict } from "./probes.js";
import type { Party } from "./types.js";

const DENIED = "refused (401/403/404/409/422)";

function isDenied(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 409 || status === 422;
}

export const VERDICTS: Record<Verdict, { expected: string; allows: (status: number) => boolean }> = {
  unauthenticated: { expected: "401 (or 403)", allows: (s) => s === 401 || s === 403 },
  refused: { expected: DENIED, allows: isDenied },
  "refused-or-nothing": {
    expected: `${DENIED} or nothing of {owner}'s`,
    allows: (s) => isDenied(s) || (s >= 200 && s < 300),
  },
  "mfa-refused": { expected: "403 MFA required", allows: (s) => s === 401 || s === 403 },
  accepted: { expected: "200, {owner}'s own threads", allows: (s) => s >= 200 && s < 300 },
  any: { expected: "", allows: () => true },
};

/** What an aftermath found: words for the report, and whether they are a leak. */
export interface Finding {
  leak: boolean;
  words: string;
}

export interface AftermathContext {
  res: ProbeResponse;
  ask: Ask;
  fixture: Fixture;
  owner: Party;
  attacker: Party;
}

const threadId = (res: ProbeResponse) => (res.json as { thread_id?: string } | null)?.thread_id;

const STREAM_READ_MS = 4_000;

export const AFTERMATHS: Record<Aftermath, (c: AftermathContext) => Promise<Finding | undefined>> = {
  async "thread-changed"({ ask, fixture, owner }) {
    const after = await ask(owner, { method: "GET", path: `/threads/${fixture.ids.owner_thread}` });
    return after.text.includes("lgauth_probe_pwned") ? { leak: true, words: "metadata changed" } : undefined;
  },
  async "thread-gone"({ ask, fixture, owner }) {
    const after = await ask(owner, { method: "GET", path: `/threads/${fixture.ids.owner_thread}` });
    return after.status === 404 ? { leak: true, words: "thread gone" } : undefined;
  },
  async "store-overwritten"({ ask, fixture, owner }) {
    const after = await ask(owner, {
      method: "GET",
      path: `/store/items?namespace=${fixture.ids.namespace}&key=secret`,
    });
    return after.text.includes("attacker-overwrote") ? { leak: true, words: "item overwritten" } : undefined;
  },
  async "copy-readable"({ res, ask, fixture, attacker }) {
    const copy = threadId(res);
    if (!copy) return undefined;
    const state = await ask(attacker, { method: "GET", path: `/threads/${copy}/state` });
    await ask(attacker, { method: "DELETE", path: `/threads/${copy}` }).catch(() => undefined);
    return state.text.includes(fixture.ids.marker)
      ? { leak: true, words: `the copy holds {owner}'s conversation` }
      : undefined;
  },
  async "thread-planted"({ res, ask, fixture, owner, attacker }) {
    const seen = await ask(owner, {
      method: "POST",
      path: "/threads/search",
      body: { metadata: { lgauth_probe_spoof: fixture.ids.marker }, limit: 10 },
    });
    const planted = threadId(res);
    if (planted) await ask(attacker, { method: "DELETE", path: `/threads/${planted}` }).catch(() => undefined);
    if (seen.text.includes(fixture.ids.marker)) return { leak: true, words: "thread appears in {owner}'s list" };
    const stamped = (res.json as { metadata?: { owner?: unknown } } | null)?.metadata?.owner;
    return stamped === attacker.userId ? { leak: false, words: "owner is {attacker}" } : undefined;
  },
  async "run-drained"({ ask, fixture, owner }) {
    // The owner reads the run the attacker named: all of it should still be there. A server
    // that never replays a finished run's stream says nothing either way, so the untouched
    // control run decides whether an empty stream means "drained".
    const stream = (thread: string, run: string) =>
      ask(owner, {
        method: "GET",
        path: `/threads/${thread}/runs/${run}/stream`,
        timeoutMs: STREAM_READ_MS,
        until: fixture.ids.marker,
      });
    const own = await stream(fixture.ids.owner_join_thread, fixture.ids.owner_join_run);
    if (own.text.includes(fixture.ids.marker)) return undefined;
    const control = await stream(fixture.control.thread, fixture.control.run);
    return control.text.includes(fixture.ids.marker)
      ? { leak: true, words: "{owner}'s own stream of the run came back empty (drained)" }
      : undefined;
  },
};

/** The answer in a few words: status, then the owner's data or the start of the body. */
export function describeAnswer(res: ProbeResponse, leakedFrom: string | undefined): string {
  const flat = res.text.replace(/\s+/g, " ").trim();
  const snippet = flat.length > 48 ? `${flat.slice(0, 47)}…` : flat;
  return `${res.status}${leakedFrom ? ` with ${leakedFrom}'s data` : snippet ? ` ${snippet}` : ""}`;
}
