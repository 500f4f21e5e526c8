/**
 * Pure rules of the server side: the route guard (every spelling of a refused route is
 * refused), the Bearer header parser, settings validation, the resource handlers called the
 * way the LangGraph server calls them, and the graph's idea of who the user is.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HumanMessage } from "@langchain/core/messages";
import { Auth } from "@langchain/langgraph-sdk/auth";
import { bearerToken } from "../../src/server/authenticate.js";
import { AuthFailure } from "../../src/server/failure.js";
import { authUserOf } from "../../src/server/graph.js";
import { ownsThread, registerHandlers } from "../../src/server/handlers.js";
import { offlineAnswerTokens } from "../../src/server/offline-model.js";
import { chooseModel, createChatModel } from "../../src/server/providers.js";
import { checkRoute, runScopeOf } from "../../src/server/routes.js";
import { serverRunLocator } from "../../src/server/run-scope.js";
import { loadAuthSettings } from "../../src/server/settings.js";

const RUN = "1ef6b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
const THREAD = "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7b";

describe("route guard", () => {
  const refused = [
    "/internal/truncate",
    "/internal/%74runcate",
    "/INTERNAL/truncate",
    "//internal//truncate/",
    `/runs/${RUN}/stream`,
    `/runs/${RUN}/stream/`,
    `/runs/${RUN}/%73tream?cancel_on_disconnect=true`,
    `//runs/${RUN}/stream`,
    `/threads/${THREAD}/commands`,
    `/threads/${THREAD}/stream/events`,
    `/threads/${THREAD}/stream/events?x=1`,
    `/threads/${THREAD}/%63ommands`,
    "/ui/agent",
    "/",
    "/mcp",
    "/a2a/agent",
  ];
  for (const path of refused) {
    it(`refuses ${path}`, () => {
      assert.equal(checkRoute(`http://127.0.0.1:2024${path}`).allowed, false);
    });
  }
  const allowed = [
    "/threads",
    "/threads/search",
    `/threads/${THREAD}`,
    `/threads/${THREAD}/state`,
    `/threads/${THREAD}/history`,
    `/threads/${THREAD}/runs/stream`,
    `/threads/${THREAD}/runs/${RUN}/stream`,
    `/threads/${THREAD}/runs/${RUN}/join`,
    "/runs/stream",
    "/runs/wait",
    "/runs/batch",
    "/assistants/search",
    "/store/items?namespace=a",
    "/ok",
  ];
  for (const path of allowed) {
    it(`lets ${path} through to authorization`, () => {
      assert.equal(checkRoute(`http://127.0.0.1:2024${path}`).allowed, true);
    });
  }
});

describe("run scope: /threads/{thread}/runs/{run}/... names a run through a thread", () => {
  const named = [
    `/threads/${THREAD}/runs/${RUN}`,
    `/threads/${THREAD}/runs/${RUN}/`,
    `/threads/${THREAD}/runs/${RUN}/stream`,
    `/threads/${THREAD}/runs/${RUN}/join`,
    `/threads/${THREAD}/runs/${RUN}/cancel?wait=1`,
    `/threads/${THREAD}/runs/${RUN}/%73tream`,
    `//threads//${THREAD}/runs/${RUN}/stream/`,
    `/THREADS/${THREAD}/RUNS/${RUN}/join`,
    `/threads/${THREAD}/runs/%${RUN.charCodeAt(0).toString(16)}${RUN.slice(1)}/stream`,
    `/threads/${THREAD}/runs/${RUN}/a-route-a-later-server-adds`,
  ];
  for (const path of named) {
    it(`${path} names run and thread`, () => {
      assert.deepEqual(runScopeOf(`http://127.0.0.1:2024${path}`), { threadId: THREAD, runId: RUN });
    });
  }
  it("keeps the ids' letter case (storage keys are case-sensitive)", () => {
    assert.deepEqual(runScopeOf(`http://h/threads/${THREAD.toUpperCase()}/runs/${RUN.toUpperCase()}/stream`), {
      threadId: THREAD.toUpperCase(),
      runId: RUN.toUpperCase(),
    });
  });
  for (const path of [
    `/threads/${THREAD}/runs`,
    `/threads/${THREAD}/runs/stream`,
    `/threads/${THREAD}/runs/wait`,
    `/threads/${THREAD}/runs/crons`,
    `/threads/${THREAD}/state`,
    `/runs/${RUN}/stream`,
    "/threads/search",
  ]) {
    it(`${path} names no run`, () => {
      assert.equal(runScopeOf(`http://127.0.0.1:2024${path}`), undefined);
    });
  }
  it("leaves the question to a server that keeps no dev-server storage on the request (the Platform)", async () => {
    assert.equal(await serverRunLocator(THREAD, RUN, "some-user"), undefined);
  });
  it("counts a thread as the caller's only when its stamped owner is the caller", () => {
    assert.equal(ownsThread({ owner: "alice-id" }, "alice-id"), true);
    assert.equal(ownsThread({ owner: "alice-id" }, "bob-id"), false);
    assert.equal(ownsThread({}, "bob-id"), false);
    assert.equal(ownsThread(null, "bob-id"), false);
    assert.equal(ownsThread({ owner: "" }, ""), false, "an empty identity owns nothing");
  });
});

describe("Bearer header", () => {
  it("takes the token from 'Bearer <token>' in any letter case", () => {
    assert.equal(bearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
    assert.equal(bearerToken("bearer abc.def.ghi"), "abc.def.ghi");
  });
  for (const header of [null, "", "   ", "abc.def.ghi", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token abc"]) {
    it(`refuses ${JSON.stringify(header)} with 401`, () => {
      assert.throws(
        () => bearerToken(header),
        (err: unknown) => err instanceof AuthFailure && err.status === 401,
      );
    });
  }
});

describe("settings", () => {
  it("needs SUPABASE_URL", () => {
    assert.throws(() => loadAuthSettings({}), /SUPABASE_URL is not set/);
    assert.throws(() => loadAuthSettings({ SUPABASE_URL: "ftp://x" }), /http/);
  });
  it("derives the issuer and defaults", () => {
    const s = loadAuthSettings({ SUPABASE_URL: "http://127.0.0.1:54321/" });
    assert.equal(s.issuer, "http://127.0.0.1:54321/auth/v1");
    assert.equal(s.mode, "jwks");
    assert.equal(s.revocationIntervalMs, 30_000);
    assert.equal(s.revocationCheck, true);
  });
  it("rejects unknown modes, bad intervals and short secrets", () => {
    const base = { SUPABASE_URL: "http://x" };
    assert.throws(() => loadAuthSettings({ ...base, AUTH_VERIFY: "trust-me" }), /AUTH_VERIFY/);
    assert.throws(() => loadAuthSettings({ ...base, AUTH_REVOCATION_INTERVAL: "-1" }), /AUTH_REVOCATION_INTERVAL/);
    assert.throws(() => loadAuthSettings({ ...base, SUPABASE_JWT_SECRET: "short" }), /32/);
    assert.equal(loadAuthSettings({ ...base, AUTH_VERIFY: "REMOTE" }).mode, "remote");
  });
});

type Callback = (arg: Record<string, unknown>) => unknown;

function handlerFor(event: string): Callback {
  const cache = registerHandlers(new Auth())["~handlerCache"].callbacks ?? {};
  const [resource, action] = event.split(":");
  const key = [event, resource, `*:${action}`, "*"].find((k) => k && cache[k]);
  assert.ok(key, `no handler for ${event}`);
  return cache[key] as Callback;
}

const alice = { identity: "alice-id", display_name: "alice", is_authenticated: true, permissions: [] };

function call(event: string, value: Record<string, unknown>, user: Record<string, unknown> = alice): unknown {
  const [resource, action] = event.split(":");
  return handlerFor(event)({ event, resource, action, value, user, permissions: [] });
}

describe("resource handlers", () => {
  it("stamps the caller as owner over a client-supplied owner", () => {
    const value: Record<string, unknown> = { thread_id: "t", metadata: { owner: "bob-id", topic: "x" } };
    assert.deepEqual(call("threads:create", value), { owner: "alice-id" });
    assert.deepEqual(value.metadata, { owner: "alice-id", topic: "x" });
  });
  it("stamps owner and overrides configurable.user_id on run creation", () => {
    const value: Record<string, unknown> = {
      metadata: { owner: "bob-id" },
      kwargs: { config: { configurable: { user_id: "bob-id" } } },
    };
    assert.deepEqual(call("threads:create_run", value), { owner: "alice-id" });
    assert.equal((value.metadata as Record<string, unknown>).owner, "alice-id");
    assert.equal(
      (value.kwargs as { config: { configurable: Record<string, unknown> } }).config.configurable.user_id,
      "alice-id",
    );
  });
  it("refuses runs with a webhook", () => {
    assert.throws(() => call("threads:create_run", { kwargs: { webhook: "http://169.254.169.254/" } }), /webhook/);
  });
  it("keeps the owner on a metadata update", () => {
    const value: Record<string, unknown> = { thread_id: "t", metadata: { owner: "bob-id" } };
    assert.deepEqual(call("threads:update", value), { owner: "alice-id" });
    assert.equal((value.metadata as Record<string, unknown>).owner, "alice-id");
  });
  it("filters reads, deletes and searches by owner", () => {
    for (const event of ["threads:read", "threads:delete", "threads:search"]) {
      assert.deepEqual(call(event, {}), { owner: "alice-id" });
    }
  });
  it("allows reading assistants and refuses changing them", () => {
    assert.equal(call("assistants:read", { assistant_id: "a" }), true);
    assert.equal(call("assistants:search", {}), true);
    for (const event of ["assistants:create", "assistants:update", "assistants:delete"]) {
      assert.throws(
        () => call(event, { assistant_id: "a" }),
        (e: unknown) => (e as { status?: number }).status === 403,
      );
    }
  });
  it("allows store namespaces that start with the caller's id only", () => {
    assert.equal(call("store:put", { namespace: ["alice-id", "notes"], key: "k", value: {} }), true);
    for (const namespace of [["bob-id"], [], undefined, ["x", "alice-id"], "alice-id"]) {
      assert.throws(() => call("store:search", { namespace }), /namespace/);
    }
  });
  it("refuses empty identities and the Studio user", () => {
    assert.throws(() => call("threads:search", {}, { ...alice, identity: "" }), /identity/);
    assert.throws(
      () => call("threads:search", {}, { ...alice, identity: "langgraph-studio-user", kind: "StudioUser" }),
      /Studio/,
    );
  });
  it("refuses crons and events without a rule", () => {
    assert.throws(() => call("crons:create", {}), /crons/);
    const star = registerHandlers(new Auth())["~handlerCache"].callbacks?.["*"] as Callback;
    assert.throws(() => star({ event: "widgets:explode", value: {}, user: alice }), /no rule/);
  });
});

describe("graph identity and offline model", () => {
  it("names the user from langgraph_auth_user, never from configurable.user_id", () => {
    const info = authUserOf({
      configurable: { user_id: "mallory", langgraph_auth_user: { identity: "alice-id", email: "alice@example.com" } },
    });
    assert.deepEqual(info, { id: "alice-id", name: "alice@example.com" });
    assert.equal(authUserOf({ configurable: { user_id: "mallory" } }).name, "anonymous user");
  });
  it("greets by the identity's display name when it has one, cleaned of control characters", () => {
    const user = (display_name: unknown) =>
      authUserOf({
        configurable: { langgraph_auth_user: { identity: "ada-id", email: "ada@example.com", display_name } },
      }).name;
    assert.equal(user("Ada Lovelace"), "Ada Lovelace");
    assert.equal(user("Ada\u001b[2J\nLovelace"), "Ada [2J Lovelace");
    assert.equal(user("  "), "ada@example.com");
    assert.equal(user(42), "ada@example.com");
    assert.equal(user("ada-id"), "ada@example.com", "LangGraph's default display_name (the identity) is no name");
    assert.match(offlineAnswerTokens(user("Ada Lovelace"), [new HumanMessage("hi")]).join(""), /^Hello Ada Lovelace! /);
  });
  it("answers in several tokens that name the user", () => {
    const tokens = offlineAnswerTokens("alice@example.com", [new HumanMessage("hi there")]);
    assert.ok(tokens.length > 5);
    assert.match(tokens.join(""), /alice@example\.com.*hi there/);
  });
  it("chooses a provider by key and explains a missing package", async () => {
    assert.equal(chooseModel({}), "offline");
    assert.equal(chooseModel({ OPENAI_API_KEY: "x" }), "openai");
    assert.equal(chooseModel({ ANTHROPIC_API_KEY: "x" }), "anthropic");
    assert.equal(chooseModel({ OPENAI_API_KEY: "x", LGAUTH_MODEL: "offline" }), "offline");
    await assert.rejects(createChatModel("a", { OPENAI_API_KEY: "x" }), /@langchain\/openai is not installed/);
    await assert.rejects(createChatModel("a", { ANTHROPIC_API_KEY: "x" }), /@langchain\/anthropic is not installed/);
  });
  it("streams the offline answer chunk by chunk", async () => {
    const model = await createChatModel("bob@example.com", { LGAUTH_OFFLINE_TOKEN_DELAY_MS: "0" });
    const chunks: string[] = [];
    for await (const chunk of await model.stream([new HumanMessage("hello")])) chunks.push(String(chunk.content));
    assert.ok(chunks.length > 5, `only ${chunks.length} chunks`);
    assert.match(chunks.join(""), /Hello bob@example\.com!/);
  });
});
