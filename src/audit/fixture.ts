/**
 * The owner's data the probes attack, made through the server's own API before any probe:
 * a thread carrying a secret marker (in its metadata and in a resumable run's messages), runs
 * nobody has read yet (a stream join of those shows everything they said), a store item, a
 * protocol-v2 session the owner opened; and one thread of the attacker's own.
 *
 * The runs start at once on threads of their own (a thread runs one run at a time) and are
 * waited for by polling their status: joining one would read its event queue, which is what
 * some probes try to read.
 */
import { randomUUID } from "node:crypto";
import type { ProbeRequest, ProbeResponse } from "./http.js";
import type { FixtureId } from "./probes.js";
import type { Party, ProbeTarget } from "./types.js";

/** Sends one request as a party (or with no token); fills nothing in. */
export type Ask = (who: Party | null, req: Omit<ProbeRequest, "token">) => Promise<ProbeResponse>;

/** The owner's setup failed: the server or the owner's session does not work, so nothing was probed. */
export class ProbeSetupError extends Error {
  readonly code = "probe_setup_failed";
  constructor(message: string) {
    super(message);
    this.name = "ProbeSetupError";
  }
}

export interface Fixture {
  ids: Record<FixtureId, string>;
  /** A finished run of the owner's that no probe touches: shows whether this server replays
   * a finished run's stream at all (judge.ts, run-drained). */
  control: { thread: string; run: string };
  /** Whether the owner's store item exists (a server may have no store). */
  haveStore: boolean;
  cleanup(): Promise<void>;
}

const FINISHED_WITHIN_MS = 60_000;
const POLL_MS = 100;

export async function prepareFixture(target: ProbeTarget, ask: Ask): Promise<Fixture> {
  const { owner, attacker } = target;
  const assistant = target.assistantId ?? "agent";
  const marker = `lgauth-probe-${randomUUID()}`;
  const threadOf = async (who: Party, metadata: Record<string, unknown>): Promise<string> => {
    const res = await ask(who, { method: "POST", path: "/threads", body: { metadata } });
    const id = (res.json as { thread_id?: string } | null)?.thread_id;
    if (res.status !== 200 || !id) {
      throw new ProbeSetupError(
        `${who.name} could not create a thread (${res.status}): the server or ${who.name}'s session is not working`,
      );
    }
    return id;
  };
  const ownerThreads: string[] = [];
  let attackerThread: string | undefined;
  const namespace = [owner.userId, "lgauth-probe"];
  const cleanup = async () => {
    const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
    await Promise.all([
      ...ownerThreads.map((t) => quietly(ask(owner, { method: "DELETE", path: `/threads/${t}` }))),
      attackerThread ? quietly(ask(attacker, { method: "DELETE", path: `/threads/${attackerThread}` })) : undefined,
      quietly(ask(owner, { method: "DELETE", path: "/store/items", body: { namespace, key: "secret" } })),
    ]);
  };

  try {
    const main = await threadOf(owner, { lgauth_probe: marker });
    ownerThreads.push(main);
    const helpers = await Promise.all([1, 2, 3, 4].map(() => threadOf(owner, { lgauth_probe_helper: true })));
    ownerThreads.push(...helpers);
    attackerThread = await threadOf(attacker, {});
    const [unreadThread, unreadThread2, joinThread, controlThread] = helpers as [string, string, string, string];

    const startRun = async (thread: string, extra: Record<string, unknown> = {}): Promise<string> => {
      const res = await ask(owner, {
        method: "POST",
        path: `/threads/${thread}/runs`,
        body: {
          assistant_id: assistant,
          input: { messages: [{ role: "user", content: `remember this: ${marker}` }] },
          ...extra,
        },
      });
      const id = (res.json as { run_id?: string } | null)?.run_id;
      if (!id) throw new ProbeSetupError(`${owner.name} could not start a run (${res.status})`);
      return id;
    };
    const [run, unread, unread2, joinRun, controlRun] = await Promise.all([
      startRun(main, { stream_mode: ["values", "messages-tuple"], stream_resumable: true }),
      startRun(unreadThread),
      startRun(unreadThread2),
      startRun(joinThread),
      startRun(controlThread),
    ]);
    const storePut = ask(owner, {
      method: "PUT",
      path: "/store/items",
      body: { namespace, key: "secret", value: { marker } },
    });
    await Promise.all(
      [
        [main, run],
        [unreadThread, unread],
        [unreadThread2, unread2],
        [joinThread, joinRun],
        [controlThread, controlRun],
      ].map(([t, r]) => untilFinished(ask, owner, t as string, r as string)),
    );
    const stored = await storePut;
    // the protocol-v2 session leak needs the owner to open the thread's session first
    await ask(owner, {
      method: "POST",
      path: `/threads/${main}/commands`,
      body: { id: 1, method: "state.get", params: {} },
    });
    return {
      ids: {
        owner_id: owner.userId,
        owner_thread: main,
        owner_run: run,
        owner_unread_run: unread,
        owner_unread_run_2: unread2,
        owner_join_thread: joinThread,
        owner_join_run: joinRun,
        attacker_thread: attackerThread,
        assistant,
        namespace: encodeURIComponent(namespace.join(".")),
        marker,
      },
      control: { thread: controlThread, run: controlRun },
      haveStore: stored.status >= 200 && stored.status < 300,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function untilFinished(ask: Ask, owner: Party, thread: string, run: string): Promise<void> {
  const deadline = Date.now() + FINISHED_WITHIN_MS;
  while (Date.now() < deadline) {
    const res = await ask(owner, { method: "GET", path: `/threads/${thread}/runs/${run}` });
    const status = (res.json as { status?: string } | null)?.status;
    if (res.status !== 200)
      throw new ProbeSetupError(`${owner.name} could not read the status of a run (${res.status})`);
    if (status !== "pending" && status !== "running") return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new ProbeSetupError(`${owner.name}'s run did not finish within ${FINISHED_WITHIN_MS / 1000} s`);
}
