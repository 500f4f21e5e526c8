/**
 * The isolation probes shared by `lgauth demo` and `lgauth audit`: alice makes a thread, a run
 * and a store item holding a secret marker; bob (and requests with no or bad tokens) then try
 * every route the LangGraph server offers. A check passes when the server refused, or answered
 * without any of alice's data and without changing it.
 */
import { randomUUID } from "node:crypto";
import { type ProbeResponse, probeFetch } from "./http.js";

export interface ProbeUser {
  label: string;
  userId: string;
  /** A token valid for the next request: asked before every request, so a check can never
   * pass because the prober's own token expired meanwhile. */
  token: () => Promise<string>;
}

export interface ProbeTarget {
  langgraphUrl: string;
  alice: ProbeUser;
  bob: ProbeUser;
  assistantId?: string;
  /** Tokens that must all be refused; a probe is skipped when its token is not given. */
  badTokens?: { forged?: string; tampered?: string; expired?: string; revoked?: string };
}

export interface Check {
  name: string;
  route: string;
  expected: string;
  actual: string;
  ok: boolean;
  /** Why a failed check matters, for the LEAK row. */
  explanation?: string;
}

const DENIED = "refused (401/403/404/409/422)";

function isDenied(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 409 || status === 422;
}

function describe(res: ProbeResponse, marker: string): string {
  const leaked = res.text.includes(marker);
  const flat = res.text.replace(/\s+/g, " ").trim();
  const snippet = flat.length > 48 ? `${flat.slice(0, 47)}…` : flat;
  return `${res.status}${leaked ? " with alice's data" : snippet ? ` ${snippet}` : ""}`;
}

export interface ProbeRun {
  checks: Check[];
  /** Removes alice's probe thread and store item. */
  cleanup(): Promise<void>;
}

export async function runProbes(target: ProbeTarget, onCheck?: (c: Check) => void): Promise<ProbeRun> {
  const base = target.langgraphUrl.replace(/\/+$/, "");
  const assistant = target.assistantId ?? "agent";
  const { alice, bob } = target;
  const marker = `lgauth-probe-${randomUUID()}`;
  const checks: Check[] = [];
  const record = (c: Check) => {
    checks.push(c);
    onCheck?.(c);
  };
  const as = async (
    user: ProbeUser | null,
    method: string,
    path: string,
    body?: unknown,
    extra: Partial<Parameters<typeof probeFetch>[1]> = {},
  ) => probeFetch(base, { method, path, token: user ? await user.token() : null, body, ...extra });

  // --- alice's data -------------------------------------------------------------------------
  const created = await as(alice, "POST", "/threads", { metadata: { lgauth_probe: marker } });
  const thread = (created.json as { thread_id?: string } | null)?.thread_id;
  if (created.status !== 200 || !thread) {
    throw new Error(`alice could not create a thread (${created.status}): the server or her session is not working`);
  }
  const run = await as(alice, "POST", `/threads/${thread}/runs`, {
    assistant_id: assistant,
    input: { messages: [{ role: "user", content: `remember this: ${marker}` }] },
    stream_mode: ["values", "messages-tuple"],
    stream_resumable: true,
  });
  const runId = (run.json as { run_id?: string } | null)?.run_id;
  if (!runId) throw new Error(`alice could not start a run (${run.status})`);
  await as(alice, "GET", `/threads/${thread}/runs/${runId}/join`, undefined, { timeoutMs: 30_000 });
  const namespace = [alice.userId, "lgauth-probe"];
  const storePut = await as(alice, "PUT", "/store/items", { namespace, key: "secret", value: { marker } });
  const haveStore = storePut.status >= 200 && storePut.status < 300;

  const aliceThread = async () => as(alice, "GET", `/threads/${thread}`);

  // --- requests without a valid token (first: the bad tokens are short-lived) ---------------
  const anonymous: [string, string | null, Record<string, string>][] = [
    ["no token", null, {}],
    ["Studio bypass header (x-auth-scheme: langsmith)", null, { "x-auth-scheme": "langsmith" }],
  ];
  const bad = target.badTokens ?? {};
  if (bad.forged) anonymous.push(["forged token (signed by another key)", bad.forged, {}]);
  if (bad.tampered) anonymous.push(["tampered token (bob's signature, alice's id)", bad.tampered, {}]);
  if (bad.expired) anonymous.push(["expired token", bad.expired, {}]);
  if (bad.revoked) anonymous.push(["token after logout", bad.revoked, {}]);
  for (const [name, token, headers] of anonymous) {
    const res = await probeFetch(base, {
      method: "POST",
      path: "/threads/search",
      token,
      body: { limit: 10 },
      headers,
    });
    record({
      name,
      route: "POST /threads/search",
      expected: "401 (or 403)",
      actual: describe(res, marker),
      ok: res.status === 401 || res.status === 403,
      explanation: "the server answered a request that carries no valid user",
    });
  }

  // --- bob against alice's thread -----------------------------------------------------------
  const readChecks: [string, string, string, unknown?][] = [
    ["read alice's thread", "GET", `/threads/${thread}`],
    ["read alice's thread state", "GET", `/threads/${thread}/state`],
    ["read alice's thread history", "POST", `/threads/${thread}/history`, { limit: 10 }],
    ["list alice's runs", "GET", `/threads/${thread}/runs`],
    ["read alice's run", "GET", `/threads/${thread}/runs/${runId}`],
    [
      "search threads by alice's metadata",
      "POST",
      "/threads/search",
      { metadata: { lgauth_probe: marker }, limit: 10 },
    ],
    [
      "protocol v2 state.get on alice's thread",
      "POST",
      `/threads/${thread}/commands`,
      { id: 1, method: "state.get", params: {} },
    ],
  ];
  // The protocol-v2 session leak needs alice to open the thread's session first.
  await as(alice, "POST", `/threads/${thread}/commands`, { id: 1, method: "state.get", params: {} });
  for (const [name, method, path, body] of readChecks) {
    const res = await as(bob, method, path, body, { timeoutMs: 4_000 });
    const leaked = res.text.includes(marker) || (path.endsWith("/runs") && res.text.includes(runId));
    record({
      name,
      route: `${method} ${path.replaceAll(thread, "{alice_thread}").replaceAll(runId, "{alice_run}")}`,
      expected: `${DENIED} or nothing of alice's`,
      actual: describe(res, marker),
      ok: !leaked && (isDenied(res.status) || (res.status >= 200 && res.status < 300)),
      explanation: leaked ? "bob received alice's conversation" : `unexpected status ${res.status}`,
    });
  }

  {
    // Joining a stream leaks only while the run is live: alice starts a long answer (the
    // offline model echoes her words, marker included) and bob joins while it runs, both ways.
    const live = await as(alice, "POST", `/threads/${thread}/runs`, {
      assistant_id: assistant,
      input: { messages: [{ role: "user", content: `again: ${marker} ${"and so on ".repeat(60)}` }] },
      stream_mode: ["values", "messages-tuple"],
    });
    const liveId = (live.json as { run_id?: string } | null)?.run_id ?? runId;
    // bob joins once a worker runs it: before that there is no live stream to leak yet, and
    // the server's queue picks runs up at intervals of up to a second
    for (let i = 0; i < 50; i++) {
      const state = await as(alice, "GET", `/threads/${thread}/runs/${liveId}`);
      if ((state.json as { status?: string } | null)?.status !== "pending") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const joins: [string, string][] = [
      ["join alice's live run stream (run id only)", `/runs/${liveId}/stream`],
      ["join alice's live run stream (with thread id)", `/threads/${thread}/runs/${liveId}/stream`],
    ];
    for (const [name, path] of joins) {
      const res = await as(bob, "GET", path, undefined, { timeoutMs: 4_000 });
      const leaked = res.text.includes(marker);
      record({
        name,
        route: `GET ${path.replaceAll(thread, "{alice_thread}").replaceAll(liveId, "{alice_run}")}`,
        expected: `${DENIED} or nothing of alice's`,
        actual: describe(res, marker),
        ok: !leaked && (isDenied(res.status) || (res.status >= 200 && res.status < 300)),
        explanation: leaked ? "bob received alice's answer as it streamed" : `unexpected status ${res.status}`,
      });
    }
    await as(alice, "GET", `/threads/${thread}/runs/${liveId}/join`, undefined, { timeoutMs: 30_000 });
  }
  {
    const res = await as(bob, "PATCH", `/threads/${thread}`, { metadata: { lgauth_probe_pwned: "bob" } });
    const after = await aliceThread();
    const changed = after.text.includes("lgauth_probe_pwned");
    record({
      name: "update alice's thread metadata",
      route: "PATCH /threads/{alice_thread}",
      expected: DENIED,
      actual: `${res.status}${changed ? ", metadata changed" : ""}`,
      ok: isDenied(res.status) && !changed,
      explanation: "bob changed alice's thread",
    });
  }
  {
    const res = await as(bob, "POST", `/threads/${thread}/runs`, {
      assistant_id: assistant,
      input: { messages: [{ role: "user", content: "bob was here" }] },
    });
    record({
      name: "create a run on alice's thread",
      route: "POST /threads/{alice_thread}/runs",
      expected: DENIED,
      actual: describe(res, marker),
      ok: isDenied(res.status),
      explanation: "bob ran the agent on alice's conversation",
    });
  }
  {
    const res = await as(bob, "POST", `/threads/${thread}/copy`, {});
    const copyId = (res.json as { thread_id?: string } | null)?.thread_id;
    let leaked = res.text.includes(marker);
    if (copyId && !leaked) leaked = (await as(bob, "GET", `/threads/${copyId}/state`)).text.includes(marker);
    record({
      name: "copy alice's thread",
      route: "POST /threads/{alice_thread}/copy",
      expected: DENIED,
      actual: describe(res, marker),
      ok: isDenied(res.status) && !leaked,
      explanation: "bob copied alice's conversation into his own thread",
    });
  }
  {
    const get = await as(bob, "GET", `/store/items?namespace=${encodeURIComponent(namespace.join("."))}&key=secret`);
    record({
      name: "read alice's store item",
      route: "GET /store/items?namespace={alice_id}.lgauth-probe",
      expected: DENIED,
      actual: describe(get, marker),
      ok: !get.text.includes(marker) && (isDenied(get.status) || !haveStore),
      explanation: "bob read alice's long-term memory",
    });
    const search = await as(bob, "POST", "/store/items/search", { namespace_prefix: [alice.userId], limit: 10 });
    record({
      name: "search alice's store namespace",
      route: "POST /store/items/search {alice_id}",
      expected: `${DENIED} or nothing of alice's`,
      actual: describe(search, marker),
      ok: !search.text.includes(marker),
      explanation: "bob listed alice's long-term memory",
    });
    const put = await as(bob, "PUT", "/store/items", { namespace, key: "secret", value: { marker: "bob-overwrote" } });
    const after = await as(
      alice,
      "GET",
      `/store/items?namespace=${encodeURIComponent(namespace.join("."))}&key=secret`,
    );
    const overwritten = after.text.includes("bob-overwrote");
    record({
      name: "write alice's store item",
      route: "PUT /store/items {alice_id}.lgauth-probe",
      expected: DENIED,
      actual: `${put.status}${overwritten ? ", item overwritten" : ""}`,
      ok: isDenied(put.status) && !overwritten,
      explanation: "bob wrote into alice's long-term memory",
    });
  }
  {
    const spoof = await as(bob, "POST", "/threads", { metadata: { owner: alice.userId, lgauth_probe_spoof: marker } });
    const spoofId = (spoof.json as { thread_id?: string } | null)?.thread_id;
    const seenByAlice = await as(alice, "POST", "/threads/search", {
      metadata: { lgauth_probe_spoof: marker },
      limit: 10,
    });
    const planted = seenByAlice.text.includes(marker);
    record({
      name: "create a thread owned by alice",
      route: "POST /threads {metadata.owner: alice}",
      expected: "owner overwritten with bob's id",
      actual: planted ? "thread appears in alice's list" : `${spoof.status}, owner is bob`,
      ok: !planted,
      explanation: "bob planted a thread in alice's list",
    });
    if (spoofId) await as(bob, "DELETE", `/threads/${spoofId}`);
  }
  {
    const res = await as(bob, "POST", "/internal/truncate", {});
    record({
      name: "reach the data-wipe route",
      route: "POST /internal/truncate",
      expected: DENIED,
      actual: `${res.status}`,
      ok: res.status === 401 || res.status === 403 || res.status === 404,
      explanation: "any logged-in user can wipe every user's threads, runs and store",
    });
  }
  {
    const res = await as(bob, "DELETE", `/threads/${thread}`);
    const after = await aliceThread();
    record({
      name: "delete alice's thread",
      route: "DELETE /threads/{alice_thread}",
      expected: DENIED,
      actual: `${res.status}${after.status === 404 ? ", thread gone" : ""}`,
      ok: isDenied(res.status) && after.status === 200,
      explanation: "bob deleted alice's conversation",
    });
  }

  return {
    checks,
    async cleanup() {
      await as(alice, "DELETE", `/threads/${thread}`).catch(() => undefined);
      await as(alice, "DELETE", "/store/items", { namespace, key: "secret" }).catch(() => undefined);
    },
  };
}
