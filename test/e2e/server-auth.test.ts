/**
 * End to end: the real local Supabase Auth server, our LangGraph server (src/server) and, for
 * comparison, a stock server running the tutorial's Auth (test/helpers/server-stock-auth.ts)
 * with Studio auth left on. Users are signed up with supabase-js; requests go through the
 * LangGraph SDK client (apiKey: null, defaultHeaders) or raw fetch for routes the SDK hides.
 * Each "gap" test first shows the request leaking on the stock server, then refused on ours.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { claimsFor, makeSigningKey, signEs256, signHs256, unsignedToken } from "../helpers/server-fixtures.js";
import {
  createUser,
  http,
  lgClient,
  startTestStack,
  statusOf,
  type TestStack,
  type TestUser,
} from "../helpers/server-stack.js";

/** A legacy HS256 secret known only to this test and our server: lets the test sign bad claims. */
const TEST_SECRET = "server-test-legacy-secret-0123456789abcdef";
const STOCK_AUTH = `${fileURLToPath(new URL("../helpers/server-stock-auth.ts", import.meta.url))}:auth`;
const SLOW = { LGAUTH_OFFLINE_TOKEN_DELAY_MS: "25" };

let stack: TestStack;
let ours: string;
let stock: string;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  stack = await startTestStack([
    { env: { AUTH_REVOCATION_INTERVAL: "1", SUPABASE_JWT_SECRET: TEST_SECRET, LGAUTH_OFFLINE_TOKEN_DELAY_MS: "2" } },
    { authPath: STOCK_AUTH, disableStudioAuth: false, env: SLOW },
  ]);
  [ours, stock] = stack.langgraph as [string, string];
  [alice, bob] = await Promise.all([createUser(stack.auth, "alice"), createUser(stack.auth, "bob")]);
});
after(() => stack?.stop());

const input = (text: string) => ({ messages: [{ role: "user", content: text }] });

describe("the tutorial's assertions", () => {
  it("refuses a request without a token with 401 and a reason", async () => {
    const { status, text } = await statusOf(lgClient(ours).threads.create());
    assert.equal(status, 401);
    assert.match(text, /missing Authorization header/);
  });

  it("hides alice's thread from bob (404) and shows each user only their own threads", async () => {
    const a = lgClient(ours, alice.token);
    const b = lgClient(ours, bob.token);
    const aliceThread = await a.threads.create();
    await a.runs.wait(aliceThread.thread_id, "agent", { input: input("hi") });
    const bobThread = await b.threads.create();
    assert.equal((await statusOf(b.threads.get(aliceThread.thread_id))).status, 404);
    assert.equal((await statusOf(b.threads.getState(aliceThread.thread_id))).status, 404);
    assert.equal((await statusOf(b.threads.delete(aliceThread.thread_id))).status, 404);
    assert.equal((await statusOf(b.runs.wait(aliceThread.thread_id, "agent", { input: input("x") }))).status, 404);
    assert.notEqual((await statusOf(b.threads.copy(aliceThread.thread_id))).status, 200);
    const aliceIds = (await a.threads.search({ limit: 100 })).map((t) => t.thread_id);
    const bobIds = (await b.threads.search({ limit: 100 })).map((t) => t.thread_id);
    assert.ok(aliceIds.includes(aliceThread.thread_id));
    assert.ok(!aliceIds.includes(bobThread.thread_id));
    assert.ok(bobIds.includes(bobThread.thread_id));
    assert.ok(!bobIds.includes(aliceThread.thread_id));
    assert.equal(await b.threads.count({}), bobIds.length);
    // and alice still has her thread (bob's delete did nothing)
    assert.equal((await a.threads.get(aliceThread.thread_id)).thread_id, aliceThread.thread_id);
  });
});

describe("owner stamping", () => {
  it("overwrites a client-supplied owner on create and keeps it on update", async () => {
    const a = lgClient(ours, alice.token);
    const thread = await a.threads.create({ metadata: { owner: bob.id, topic: "planted" } });
    assert.equal(thread.metadata?.owner, alice.id);
    const patched = await a.threads.update(thread.thread_id, { metadata: { owner: bob.id } });
    assert.equal(patched.metadata?.owner, alice.id);
    const bobIds = (await lgClient(ours, bob.token).threads.search({ limit: 100 })).map((t) => t.thread_id);
    assert.ok(!bobIds.includes(thread.thread_id), "alice cannot plant a thread in bob's list");
  });

  it("stamps the owner on threads a run creates", async () => {
    const a = lgClient(ours, alice.token);
    const threadId = randomUUID();
    await a.runs.wait(threadId, "agent", { input: input("x"), ifNotExists: "create", metadata: { owner: bob.id } });
    assert.equal((await a.threads.get(threadId)).metadata?.owner, alice.id);
  });
});

describe("bad tokens", () => {
  let kid: string;
  before(async () => {
    const res = await fetch(`${stack.auth.supabaseUrl}/auth/v1/.well-known/jwks.json`, {
      headers: { apikey: stack.auth.anonKey },
    });
    kid = ((await res.json()) as { keys: { kid: string }[] }).keys[0]!.kid;
  });

  const issuer = () => `${stack.auth.supabaseUrl}/auth/v1`;
  const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
    ["no Authorization header", async () => ({}), /missing Authorization/],
    ["a Basic header", async () => ({ Authorization: "Basic YWxpY2U6cHc=" }), /Bearer/],
    ["a bare token without scheme", async () => ({ Authorization: alice.token }), /Bearer/],
    ["a malformed token", async () => ({ Authorization: "Bearer not-a-jwt" }), /malformed/],
    [
      "an unsigned token (alg none)",
      async () => ({ Authorization: `Bearer ${unsignedToken(claimsFor({ sub: alice.id }, issuer()))}` }),
      /alg none/,
    ],
    [
      "a token signed by another key under the project's kid",
      async () => ({
        Authorization: `Bearer ${await signEs256(await makeSigningKey(kid), claimsFor({ sub: alice.id }, issuer()))}`,
      }),
      /signature/,
    ],
    [
      "a token signed by an unknown key",
      async () => ({
        Authorization: `Bearer ${await signEs256(await makeSigningKey(), claimsFor({ sub: alice.id }, issuer()))}`,
      }),
      /unknown key/,
    ],
    [
      "an expired token",
      async () => ({
        Authorization: `Bearer ${await signHs256(TEST_SECRET, claimsFor({ sub: alice.id, expiresIn: -600 }, issuer()))}`,
      }),
      /expired/,
    ],
    [
      "a token from another issuer",
      async () => ({
        Authorization: `Bearer ${await signHs256(TEST_SECRET, claimsFor({ sub: alice.id, iss: "https://other.supabase.co/auth/v1" }, issuer()))}`,
      }),
      /issuer/,
    ],
    [
      "a token for another audience",
      async () => ({
        Authorization: `Bearer ${await signHs256(TEST_SECRET, claimsFor({ sub: alice.id, aud: "anon" }, issuer()))}`,
      }),
      /audience/,
    ],
    [
      "a token with an empty sub",
      async () => ({ Authorization: `Bearer ${await signHs256(TEST_SECRET, claimsFor({ sub: "" }, issuer()))}` }),
      /subject/,
    ],
    [
      "a token without exp",
      async () => {
        const claims = claimsFor({ sub: alice.id }, issuer());
        delete claims.exp;
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: "HS256" })
          .sign(new TextEncoder().encode(TEST_SECRET));
        return { Authorization: `Bearer ${token}` };
      },
      /exp/,
    ],
    ["the anon key", async () => ({ Authorization: `Bearer ${stack.auth.anonKey}` }), /./],
    ["the service role key", async () => ({ Authorization: `Bearer ${stack.auth.serviceRoleKey}` }), /./],
  ];
  for (const [name, headers, reason] of cases) {
    it(`refuses ${name} with 401 and says why`, async () => {
      const res = await http(`${ours}/threads/search`, { method: "POST", headers: await headers(), body: {} });
      assert.equal(res.status, 401, res.text);
      assert.match(res.text, reason);
      assert.ok(!res.text.includes(alice.token), "the answer never echoes a token");
    });
  }

  it("accepts alice's real token (the control case)", async () => {
    const res = await http(`${ours}/threads/search`, { method: "POST", token: alice.token, body: {} });
    assert.equal(res.status, 200);
  });
});

describe("store and assistants", () => {
  it("allows namespaces that start with the user's id and refuses others", async () => {
    const a = lgClient(ours, alice.token);
    const b = lgClient(ours, bob.token);
    await a.store.putItem([alice.id, "notes"], "k1", { text: "alice's secret" });
    assert.equal((await a.store.getItem([alice.id, "notes"], "k1"))?.value.text, "alice's secret");
    assert.equal((await statusOf(a.store.putItem([bob.id, "notes"], "k1", { text: "planted" }))).status, 403);
    assert.equal((await statusOf(b.store.getItem([alice.id, "notes"], "k1"))).status, 403);
    assert.equal((await statusOf(b.store.searchItems([alice.id]))).status, 403);
    assert.equal((await statusOf(b.store.searchItems([]))).status, 403);
    assert.equal((await statusOf(b.store.listNamespaces())).status, 403);
    assert.equal((await statusOf(b.store.deleteItem([alice.id, "notes"], "k1"))).status, 403);
    const mine = await a.store.searchItems([alice.id]);
    assert.deepEqual(
      mine.items.map((i) => i.key),
      ["k1"],
    );
  });

  it("lets users read and search assistants but not create, change or delete them", async () => {
    const a = lgClient(ours, alice.token);
    const found = await a.assistants.search({ graphId: "agent" });
    const agent = found[0];
    assert.ok(agent, "the system assistant is visible");
    assert.equal((await a.assistants.get(agent.assistant_id)).graph_id, "agent");
    assert.equal((await statusOf(a.assistants.create({ graphId: "agent" }))).status, 403);
    assert.equal((await statusOf(a.assistants.update(agent.assistant_id, { metadata: { x: 1 } }))).status, 403);
    assert.equal((await statusOf(a.assistants.delete(agent.assistant_id))).status, 403);
    assert.equal((await a.assistants.get(agent.assistant_id)).assistant_id, agent.assistant_id);
  });

  it("refuses runs with a webhook", async () => {
    const a = lgClient(ours, alice.token);
    const thread = await a.threads.create();
    const res = await statusOf(
      a.runs.create(thread.thread_id, "agent", { input: input("x"), webhook: "http://127.0.0.1:9/hook" }),
    );
    assert.equal(res.status, 403);
    assert.match(res.text, /webhook/);
  });
});

describe("the graph", () => {
  it("streams its answer token by token and names the logged-in user, not configurable.user_id", async () => {
    const a = lgClient(ours, alice.token);
    const thread = await a.threads.create();
    const chunks: string[] = [];
    for await (const ev of a.runs.stream(thread.thread_id, "agent", {
      input: input("who am I?"),
      streamMode: "messages-tuple",
      config: { configurable: { user_id: bob.id } },
    })) {
      if (ev.event !== "messages") continue;
      const [chunk] = ev.data as [{ content: unknown; type?: string }, unknown];
      if (typeof chunk.content === "string" && chunk.content !== "") chunks.push(chunk.content);
    }
    const text = chunks.join("");
    assert.ok(chunks.length > 5, `expected many chunks, got ${chunks.length}`);
    assert.match(text, new RegExp(`Hello ${alice.email.replace(/[.]/g, "\\.")}`));
    assert.ok(!text.includes(bob.email));
  });
});

/** Status of a WebSocket upgrade request (101 when the server switched protocols). */
function upgradeStatus(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        Authorization: `Bearer ${token}`,
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
        "Sec-WebSocket-Version": "13",
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("closed gaps: leaks on the stock server, refused on ours", () => {
  it("Studio header without a token", async () => {
    const studio = { "x-auth-scheme": "langsmith" };
    const leak = await http(`${stock}/threads/search`, { method: "POST", headers: studio, body: {} });
    assert.equal(leak.status, 200, "stock server trusts the header");
    const refused = await http(`${ours}/threads/search`, { method: "POST", headers: studio, body: {} });
    assert.equal(refused.status, 401);
  });

  async function joinWithoutThread(
    url: string,
    runId: string,
    token: string,
  ): Promise<{ status: number; text: string }> {
    return http(`${url}/runs/${runId}/stream`, { token });
  }

  it("GET /runs/{run_id}/stream without the thread", async () => {
    for (const [url, expectLeak] of [
      [stock, true],
      [ours, false],
    ] as const) {
      const a = lgClient(url, alice.token);
      const thread = await a.threads.create();
      // a long answer (the offline model echoes the words), so the run is still live when bob
      // joins even on a busy machine: the stock server leaks only a live run's stream
      const run = await a.runs.create(thread.thread_id, "agent", {
        input: input(`my diary ${"entry ".repeat(150)}`),
        streamMode: "messages-tuple",
      });
      // joined once a worker runs it: a join before that can find no live stream yet (the queue
      // polls at random intervals up to 1 s), which would show nothing either way
      for (let i = 0; i < 100 && (await a.runs.get(thread.thread_id, run.run_id)).status === "pending"; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const res = await joinWithoutThread(url, run.run_id, bob.token);
      if (expectLeak) {
        assert.equal(res.status, 200);
        // The stock join ends, empty, when no event comes for 0.5 s (it then looks the run up as
        // bob, who cannot see it); on a busy machine the worker can be that slow to publish the
        // first token. Events nobody read stay queued, so bob joins again until he has read
        // alice's answer or has joined once more after her run ended (nothing left unread).
        let seen = res.text;
        for (let ended = false; !seen.includes(alice.email) && !ended; ) {
          const { status } = await a.runs.get(thread.thread_id, run.run_id);
          ended = status !== "pending" && status !== "running";
          const again = await joinWithoutThread(url, run.run_id, bob.token);
          assert.equal(again.status, 200);
          seen += again.text;
        }
        assert.ok(seen.includes(alice.email), "stock server streams alice's answer to bob");
      } else {
        assert.equal(res.status, 403, res.text);
        assert.ok(!res.text.includes(alice.email));
        // alice can still follow her run through its thread
        await a.runs.join(thread.thread_id, run.run_id);
      }
    }
  });

  /** Waits until a worker has finished the run (polled: the queue starts runs up to 1 s late). */
  async function untilDone(url: string, user: TestUser, threadId: string, runId: string): Promise<void> {
    const a = lgClient(url, user.token);
    for (let i = 0; i < 600; i++) {
      const { status } = await a.runs.get(threadId, runId);
      if (status !== "pending" && status !== "running") return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`run ${runId} did not finish`);
  }

  describe("alice's run through bob's own thread (/threads/{bob's}/runs/{alice's}/...)", () => {
    for (const [name, url, expectLeak] of [
      ["stock", () => stock, true],
      ["ours", () => ours, false],
    ] as const) {
      it(`${expectLeak ? "leaks on the stock server" : "is refused as not found on ours"}`, async () => {
        const a = lgClient(url(), alice.token);
        const aliceThread = await a.threads.create();
        const bobThread = await lgClient(url(), bob.token).threads.create();
        const via = (runId: string, rest = "") => `${url()}/threads/${bobThread.thread_id}/runs/${runId}${rest}`;

        // 1. a background run nobody has streamed: bob streams it through his thread
        const quiet = await a.runs.create(aliceThread.thread_id, "agent", { input: input("my diary") });
        await untilDone(url(), alice, aliceThread.thread_id, quiet.run_id);
        const stream = await http(via(quiet.run_id, "/stream"), { token: bob.token });

        // 2. a resumable run alice already streamed herself: bob replays it from the start
        let resumableId = "";
        for await (const _ of a.runs.stream(aliceThread.thread_id, "agent", {
          input: input("my second diary"),
          streamResumable: true,
          onRunCreated: ({ run_id }) => {
            resumableId = run_id;
          },
        }));
        const replay = await http(via(resumableId, "/stream"), {
          token: bob.token,
          headers: { "Last-Event-ID": "-1" },
        });

        // 3. bob joins another background run through his thread: it drains alice's queue
        const drained = await a.runs.create(aliceThread.thread_id, "agent", { input: input("my third diary") });
        await untilDone(url(), alice, aliceThread.thread_id, drained.run_id);
        const join = await http(via(drained.run_id, "/join"), { token: bob.token });
        const aliceAfter = await http(`${url()}/threads/${aliceThread.thread_id}/runs/${drained.run_id}/stream`, {
          token: alice.token,
        });

        if (expectLeak) {
          assert.equal(stream.status, 200, `${name}: ${stream.text}`);
          assert.ok(stream.text.includes(alice.email), "the stock server streams alice's run to bob");
          assert.equal(replay.status, 200);
          assert.ok(replay.text.includes(alice.email), "the stock server replays alice's resumable run to bob");
          assert.ok(!aliceAfter.text.includes(alice.email), "bob's join emptied alice's own stream of her run");
          return;
        }
        for (const res of [stream, replay, join]) {
          assert.equal(res.status, 404, res.text);
          assert.ok(!res.text.includes(alice.email));
        }
        assert.equal(aliceAfter.status, 200);
        assert.ok(aliceAfter.text.includes(alice.email), "alice still reads her whole run: bob's join touched nothing");
        // every other route under /threads/{thread}/runs/{run}: the same answer as no run at all
        const missing = await http(via(randomUUID()), { token: bob.token });
        assert.equal(missing.status, 404);
        for (const [method, rest] of [
          ["GET", ""],
          ["DELETE", ""],
          ["POST", "/cancel"],
          ["GET", "/%73tream"],
          ["GET", "/join/"],
        ] as const) {
          const res = await http(via(quiet.run_id, rest), { method, token: bob.token });
          assert.deepEqual(res, missing, `${method} ${rest}`);
        }
        assert.equal(
          (await a.runs.get(aliceThread.thread_id, quiet.run_id)).run_id,
          quiet.run_id,
          "alice's run is still there",
        );
        // the control: runs named through their own thread work as before
        const own = await lgClient(url(), bob.token).runs.create(bobThread.thread_id, "agent", { input: input("hi") });
        await untilDone(url(), bob, bobThread.thread_id, own.run_id);
        const ownStream = await http(via(own.run_id, "/stream"), { token: bob.token });
        assert.equal(ownStream.status, 200);
        assert.ok(ownStream.text.includes(bob.email));
        assert.equal((await http(via(own.run_id), { token: bob.token })).status, 200);
      });
    }
  });

  it("alice's run named through her own thread by bob: on ours the same 404 as a run that does not exist", async () => {
    // the stock server (and ours before the run-on-thread check looked at the owner) told bob
    // which (thread, run) pairs of alice's exist: 200 with an SSE error event from /stream and
    // "Thread … not found" from GET and /join, where a made-up run gets 404 "Run not found"
    const a = lgClient(ours, alice.token);
    const thread = await a.threads.create();
    const run = await a.runs.create(thread.thread_id, "agent", { input: input("alice's pending words") });
    await untilDone(ours, alice, thread.thread_id, run.run_id);
    const at = (runId: string, rest: string) => `${ours}/threads/${thread.thread_id}/runs/${runId}${rest}`;
    const made_up = randomUUID();
    for (const [method, rest] of [
      ["GET", ""],
      ["GET", "/join"],
      ["GET", "/stream"],
      ["POST", "/cancel"],
      ["DELETE", ""],
    ] as const) {
      const real = await http(at(run.run_id, rest), { method, token: bob.token });
      const none = await http(at(made_up, rest), { method, token: bob.token });
      assert.deepEqual(real, none, `${method} …${rest}: alice's real run must answer like a made-up one`);
      assert.equal(real.status, 404, real.text);
    }
    assert.equal((await a.runs.get(thread.thread_id, run.run_id)).status, "success", "alice's run is untouched");
    const own = await http(at(run.run_id, "/stream"), { token: alice.token });
    assert.equal(own.status, 200);
    assert.ok(own.text.includes(alice.email), "alice still reads her run");
  });

  it("protocol-v2 thread session commands", async () => {
    for (const [url, expectLeak] of [
      [stock, true],
      [ours, false],
    ] as const) {
      const a = lgClient(url, alice.token);
      const thread = await a.threads.create();
      await a.runs.wait(thread.thread_id, "agent", { input: input("private words") });
      const command = { id: 1, method: "state.get", params: {} };
      const aliceOpens = await http(`${url}/threads/${thread.thread_id}/commands`, {
        method: "POST",
        token: alice.token,
        body: command,
      });
      const bobReads = await http(`${url}/threads/${thread.thread_id}/commands`, {
        method: "POST",
        token: bob.token,
        body: command,
      });
      const bobSocket = await upgradeStatus(`${url}/threads/${thread.thread_id}/stream/events`, bob.token);
      if (expectLeak) {
        assert.equal(aliceOpens.status, 200);
        assert.equal(bobReads.status, 200);
        assert.ok(bobReads.text.includes("private words"), "stock server gives bob alice's state");
        assert.equal(bobSocket, 101, "stock server opens alice's thread session to bob");
      } else {
        assert.equal(aliceOpens.status, 403);
        assert.equal(bobReads.status, 403);
        const bobEvents = await http(`${url}/threads/${thread.thread_id}/stream/events`, {
          method: "POST",
          token: bob.token,
          body: { channels: ["values"] },
        });
        assert.equal(bobEvents.status, 403);
        assert.equal(bobSocket, 403);
        assert.ok(!bobReads.text.includes("private words"));
      }
    }
  });

  it("POST /internal/truncate (every spelling)", async () => {
    const ourThread = await lgClient(ours, alice.token).threads.create();
    for (const path of ["/internal/truncate", "/internal/%74runcate", "//internal/truncate/"]) {
      const res = await http(`${ours}${path}`, { method: "POST", token: bob.token, body: { threads: true } });
      assert.equal(res.status, 403, `${path}: ${res.text}`);
    }
    assert.equal((await lgClient(ours, alice.token).threads.get(ourThread.thread_id)).thread_id, ourThread.thread_id);

    // last on the stock server: it wipes everyone's threads there
    const stockThread = await lgClient(stock, alice.token).threads.create();
    const wipe = await http(`${stock}/internal/truncate`, {
      method: "POST",
      token: bob.token,
      body: { threads: true },
    });
    assert.equal(wipe.status, 200);
    assert.equal((await statusOf(lgClient(stock, alice.token).threads.get(stockThread.thread_id))).status, 404);
  });
});

describe("revocation", () => {
  it("refuses a logged-out session within the revocation window", async () => {
    const carol = await createUser(stack.auth, "carol");
    const c = lgClient(ours, carol.token);
    await c.threads.search();
    const { error } = await carol.supabase.auth.signOut({ scope: "global" });
    assert.equal(error, null);
    const loggedOutAt = Date.now();
    let status = 200;
    let text = "";
    // interval is 1 s on this server; allow 1 s of slack
    while (Date.now() - loggedOutAt < 2_000) {
      ({ status, text } = await http(`${ours}/threads/search`, { method: "POST", token: carol.token, body: {} }));
      if (status !== 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 401);
    assert.match(text, /revoked/);
    // the same token still verifies by signature: the refusal comes from the session check
    const stillStock = await http(`${stock}/threads/search`, { method: "POST", token: carol.token, body: {} });
    assert.equal(stillStock.status, 401, "the tutorial's remote check refuses it too");
  });
});
