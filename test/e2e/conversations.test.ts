import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "@langchain/langgraph-sdk";
import { authorizedFetch, createLangGraphClient } from "../../src/langgraph/client.js";
import { startChild } from "../helpers/children.js";
import { LGAUTH_BIN } from "../helpers/cli.js";
import { lgauthInProcess } from "../helpers/lgauth-in-process.js";
import { shellMissing } from "../helpers/shells.js";
import { type ConversationStack, startConversationStack } from "../helpers/conversation-stack.js";

// Short access tokens, so every command in this file crosses token expiries and refreshes.
const execFileAsync = promisify(execFile);
const TTL = 4;
let stack: ConversationStack;
const ALICE = { profile: "alice", email: "alice@example.com", password: "Alice-Secret-123" };
const BOB = { profile: "bob", email: "bob@example.com", password: "Bob-Secret-456" };
let aliceThread = "";
let aliceId = "";

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

async function tokenOf(profile: string): Promise<string> {
  const r = await stack.cli(profile, ["token"]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function noSecrets(text: string) {
  assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "no JWT in output");
  assert.ok(!text.includes(ALICE.password) && !text.includes(BOB.password), "no password in output");
}

before(async () => {
  stack = await startConversationStack({ accessTokenTtl: TTL, tokenDelayMs: 30 });
  await stack.signup(ALICE.profile, ALICE.email, ALICE.password);
  await stack.signup(BOB.profile, BOB.email, BOB.password);
  const who = await stack.cli("alice", ["whoami", "--json"]);
  aliceId = json<{ user_id: string }>(who.stdout).user_id;
});
after(async () => {
  await stack?.stop();
});

describe("conversations as the logged-in user", () => {
  test("chat --message streams an answer that names the user; --json has the run and final messages", async () => {
    // the built binary once, end to end; the other commands of this file run in process
    const plain = await stack.binary("alice", ["chat", "--message", "hello from alice"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /alice@example\.com/);
    noSecrets(plain.stdout + plain.stderr);

    const r = await stack.cli("alice", ["chat", "--message", "second thread", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = json<{
      thread_id: string;
      run_id: string;
      text: string;
      messages: { role: string; content: string; id?: string }[];
    }>(r.stdout);
    assert.match(out.thread_id, /^[0-9a-f-]{36}$/);
    assert.match(out.run_id, /^[0-9a-f-]{36}$/);
    const last = out.messages[out.messages.length - 1];
    assert.equal(last?.role, "assistant");
    assert.equal(out.text, last?.content, "the streamed text equals the final message");
    assert.deepEqual(out.messages[0], { role: "user", content: "second thread", id: out.messages[0]?.id });
    aliceThread = out.thread_id;
  });

  test("threads list shows alice her threads with title and count, and bob none of them", async () => {
    const a = await stack.cli("alice", ["threads", "list", "--json"]);
    assert.equal(a.code, 0, a.stderr);
    const threads = json<{ threads: { thread_id: string; title: string; message_count: number; status: string }[] }>(
      a.stdout,
    ).threads;
    assert.equal(threads.length, 2);
    const mine = threads.find((t) => t.thread_id === aliceThread);
    assert.equal(mine?.title, "second thread");
    assert.equal(mine?.message_count, 2);
    assert.equal(mine?.status, "idle");
    const table = await stack.cli("alice", ["threads", "list"]);
    assert.match(table.stdout, /^ID\s+TITLE\s+STATUS\s+UPDATED\s+MESSAGES$/m);
    assert.match(table.stdout, new RegExp(`${aliceThread}\\s+second thread\\s+idle`));

    const b = await stack.cli("bob", ["threads", "list", "--json"]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(json<{ threads: unknown[] }>(b.stdout).threads, []);
  });

  test("bob's every attempt on alice's thread is 'not found', exit 1, and changes nothing", async () => {
    const attempts = [
      ["threads", "show", aliceThread],
      ["threads", "history", aliceThread],
      ["threads", "delete", aliceThread, "--yes"],
      ["runs", "list", aliceThread],
      ["runs", "create", aliceThread, "--message", "bob was here", "--wait"],
      ["runs", "create", aliceThread, "--message", "bob was here"],
      ["chat", aliceThread, "--message", "bob was here"],
    ];
    for (const args of attempts) {
      const r = await stack.cli("bob", args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), `lgauth: thread ${aliceThread} not found`);
      assert.equal(r.stdout, "");
    }
    // a thread nobody has: the same answer (the dev server's own is 422 "Thread is already running a task")
    const nobodys = "0f6b2c4a-5d6e-4f80-9a1b-2c3d4e5f6a7b";
    for (const wait of [[], ["--wait"]]) {
      const r = await stack.cli("bob", ["runs", "create", nobodys, "--message", "hi", ...wait]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim(), `lgauth: thread ${nobodys} not found`);
    }
    // a prefix is looked up among bob's own threads only: alice's is "not found" to him
    const prefix = aliceThread.slice(0, 8);
    for (const args of [
      ["threads", "show", prefix],
      ["runs", "list", prefix],
    ]) {
      const r = await stack.cli("bob", args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), `lgauth: no thread of yours starts with "${prefix}"`);
    }
    const show = await stack.cli("alice", ["threads", "show", aliceThread, "--json"]);
    assert.equal(show.code, 0, show.stderr);
    const messages = json<{ messages: { content: string }[] }>(show.stdout).messages;
    assert.equal(messages.length, 2, "alice's thread is untouched");
    assert.ok(!show.stdout.includes("bob was here"));
  });

  test("threads show renders the conversation; history lists checkpoints", async () => {
    const show = await stack.cli("alice", ["threads", "show", aliceThread]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^you: second thread$/m);
    assert.match(show.stdout, /^agent: .*alice@example\.com/m);
    const h = await stack.cli("alice", ["threads", "history", aliceThread, "--json"]);
    assert.equal(h.code, 0, h.stderr);
    const cps = json<{ checkpoints: { checkpoint_id: string; message_count: number }[] }>(h.stdout).checkpoints;
    assert.ok(cps.length >= 2);
    assert.equal(cps[0]?.message_count, 2);
  });

  test("threads create with metadata; the server, not the client, decides the owner", async () => {
    const r = await stack.cli("bob", [
      "threads",
      "create",
      "--metadata",
      "topic=tests",
      "--metadata",
      `owner=${aliceId}`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const created = json<{ thread_id: string; metadata: Record<string, string> }>(r.stdout);
    assert.equal(created.metadata.topic, "tests");
    assert.notEqual(created.metadata.owner, aliceId);
    const listed = await stack.cli("bob", ["threads", "list", "--metadata", "topic=tests", "--json"]);
    assert.deepEqual(
      json<{ threads: { thread_id: string }[] }>(listed.stdout).threads.map((t) => t.thread_id),
      [created.thread_id],
    );
    const alice = await stack.cli("alice", ["threads", "list", "--metadata", "topic=tests", "--json"]);
    assert.deepEqual(json<{ threads: unknown[] }>(alice.stdout).threads, []);
    const del = await stack.cli("bob", ["threads", "delete", created.thread_id]);
    assert.equal(del.code, 2, "no --yes and no terminal: usage error");
    assert.match(del.stderr, /--yes/);
    // on a terminal it asks; a no keeps the thread
    const { lgauthInProcess } = await import("../helpers/lgauth-in-process.js");
    const kept = await lgauthInProcess(["--profile", "bob", "threads", "delete", created.thread_id], {
      env: stack.env,
      tty: true,
      answers: [false],
    });
    assert.deepEqual(kept.asked, [`Delete thread ${created.thread_id}?`]);
    assert.equal(kept.code, 1);
    assert.equal(kept.stdout, "kept\n");
    assert.equal((await stack.cli("bob", ["threads", "show", created.thread_id])).code, 0, "still there");
    const yes = await stack.cli("bob", ["threads", "delete", created.thread_id, "--yes"]);
    assert.equal(yes.code, 0, yes.stderr);
    const gone = await stack.cli("bob", ["threads", "show", created.thread_id]);
    assert.equal(gone.code, 1);
  });

  test("runs create --wait, runs list, and runs cancel of a run in progress", async () => {
    const w = await stack.cli("alice", ["runs", "create", aliceThread, "--message", "third", "--wait"]);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /You said: "third"/);
    const wj = await stack.cli("alice", ["runs", "create", aliceThread, "--message", "fourth", "--wait", "--json"]);
    assert.equal(wj.code, 0, wj.stderr);
    const waited = json<{ thread_id: string; run_id: string; messages: { content: string }[] }>(wj.stdout);
    assert.match(waited.run_id, /^[0-9a-f-]{36}$/, "--wait --json names its run");
    assert.match(waited.messages.at(-1)?.content ?? "", /You said: "fourth"/);
    const l = await stack.cli("alice", ["runs", "list", aliceThread, "--json"]);
    const listed = json<{ runs: { run_id: string; status: string }[]; total: number }>(l.stdout);
    const runs = listed.runs;
    assert.equal(runs.length, 3);
    assert.equal(listed.total, 3);
    assert.ok(runs.every((r) => r.status === "success"));
    assert.ok(runs.some((r) => r.run_id === waited.run_id));

    // a run that had finished: said so, not "cancelled", and it stays a success
    const done = await stack.cli("alice", ["runs", "cancel", aliceThread, waited.run_id]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, `run ${waited.run_id} had already finished (success); nothing to cancel\n`);
    const doneJson = await stack.cli("alice", ["runs", "cancel", aliceThread, waited.run_id, "--json"]);
    assert.deepEqual(json(doneJson.stdout), {
      thread_id: aliceThread,
      run_id: waited.run_id,
      cancelled: false,
      status: "success",
    });

    // the offline model's long answer (some 4,000 tokens at 30 ms: two minutes) started directly
    // with the SDK, then cancelled by the CLI: still running when the cancel comes, however busy
    // the machine
    const client = new Client({
      apiUrl: stack.langgraphUrl,
      apiKey: null,
      defaultHeaders: { Authorization: `Bearer ${await tokenOf("alice")}` },
    });
    const run = await client.runs.create(aliceThread, "agent", {
      input: { messages: [{ role: "user", content: "please give me a long answer" }] },
    });
    // in progress: the server has picked it up (a run cancelled while still queued ends
    // interrupted through another path, which is not what this test is about)
    for (let i = 0; i < 100 && (await client.runs.get(aliceThread, run.run_id)).status === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const bob = await stack.cli("bob", ["runs", "cancel", aliceThread, run.run_id]);
    assert.equal(bob.code, 1, "bob cannot cancel alice's run");
    // short ids, as git takes them: the start of the thread's and the run's id (LangGraph's ids
    // are UUIDv7, time first: ids made within a minute share 8 characters, a millisecond 13)
    const c = await stack.cli("alice", ["runs", "cancel", aliceThread.slice(0, 18), run.run_id.slice(0, 18), "--json"]);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(json(c.stdout), {
      thread_id: aliceThread,
      run_id: run.run_id,
      cancelled: true,
      status: "interrupted",
    });
    let status = "";
    for (let i = 0; i < 100; i++) {
      status = (await client.runs.get(aliceThread, run.run_id)).status;
      if (status !== "pending" && status !== "running") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, "interrupted", "the cancelled run stops without finishing");
    // the server's list forgets the thread's values after a cancelled run; lgauth's does not
    const listedAfter = json<{ threads: { thread_id: string; title: string; message_count: number }[] }>(
      (await stack.cli("alice", ["threads", "list", "--json"])).stdout,
    ).threads.find((t) => t.thread_id === aliceThread);
    assert.equal(listedAfter?.title, "second thread");
    assert.ok((listedAfter?.message_count ?? 0) >= 6, `its messages are counted: ${JSON.stringify(listedAfter)}`);
  });

  test("a run cancelled while runs create waits or streams: exit 1 saying so, never an earlier run's answer", async () => {
    const made = await stack.cli("alice", ["threads", "create", "--json"]);
    const thread = json<{ thread_id: string }>(made.stdout).thread_id;
    const first = await stack.cli("alice", ["runs", "create", thread, "--message", "an earlier message", "--wait"]);
    assert.equal(first.code, 0, first.stderr);
    const client = new Client({
      apiUrl: stack.langgraphUrl,
      apiKey: null,
      defaultHeaders: { Authorization: `Bearer ${await tokenOf("alice")}` },
    });
    /** Cancels the thread's run in progress (the offline model's long answer) once it streams. */
    const cancelRunning = async () => {
      for (let i = 0; i < 400; i++) {
        const running = (await client.runs.list(thread)).find((r) => r.status === "running");
        if (running) {
          await new Promise((r) => setTimeout(r, 200)); // some of its answer has streamed
          const c = await stack.cli("alice", ["runs", "cancel", thread, running.run_id]);
          assert.equal(c.code, 0, c.stderr);
          return running.run_id;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("the long run never started");
    };
    for (const wait of [true, false]) {
      const args = ["runs", "create", thread, "--message", "please give me a long answer", ...(wait ? ["--wait"] : [])];
      const [r, runId] = await Promise.all([stack.cli("alice", args), cancelRunning()]);
      assert.equal(r.code, 1, `${wait ? "--wait" : "streamed"}: ${r.stderr}`);
      assert.equal(r.stderr, `lgauth: run ${runId} was cancelled before it answered\n`);
      assert.doesNotMatch(r.stdout, /an earlier message/, "never the earlier run's answer");
      if (wait) assert.equal(r.stdout, "");
      else assert.match(r.stdout, /^.+\n$/s, "the part that streamed, ended by a newline");
    }
    // the tests after this one count alice's threads
    assert.equal((await stack.cli("alice", ["threads", "delete", thread, "--yes"])).code, 0);
  });

  test("a list cut by --limit says how much there is; runs list shows times as threads list does", async () => {
    const all = json<{ threads: unknown[]; total: number }>(
      (await stack.cli("alice", ["threads", "list", "--json"])).stdout,
    );
    assert.equal(all.total, all.threads.length);
    const cut = await stack.cli("alice", ["threads", "list", "--limit", "1"]);
    assert.equal(cut.code, 0, cut.stderr);
    assert.match(cut.stdout, new RegExp(`^showing 1 of ${all.total} \\(see more with --limit\\)$`, "m"));
    assert.doesNotMatch((await stack.cli("alice", ["threads", "list"])).stdout, /showing/, "nothing cut, nothing said");

    const runsAll = json<{ total: number }>((await stack.cli("alice", ["runs", "list", aliceThread, "--json"])).stdout);
    const runs = await stack.cli("alice", ["runs", "list", aliceThread.slice(0, 18), "--limit", "2"]);
    assert.equal(runs.code, 0, runs.stderr);
    assert.match(runs.stdout, new RegExp(`^showing 2 of ${runsAll.total} \\(see more with --limit\\)$`, "m"));
    assert.match(
      runs.stdout,
      /^[0-9a-f-]{36}\s+\w+\s+[0-9a-f-]{36}\s+\d+[smhd] ago$/m,
      "times as threads list shows them",
    );
    const none = await stack.cli("alice", ["runs", "list", "0000"]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'lgauth: no thread of yours starts with "0000"\n');
    // alice's two threads were made within a minute: their first 4 characters are the same
    const both = await stack.cli("alice", ["threads", "show", aliceThread.slice(0, 4)]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(
      both.stderr,
      /^lgauth: "[0-9a-f]{4}" is the start of 2 threads of yours \([0-9a-f-]+, [0-9a-f-]+\) \(type more of the id\)\n$/,
    );
  });

  test("assistants list shows the agent", async () => {
    const r = await stack.cli("bob", ["assistants", "list", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const graphs = json<{ assistants: { graph_id: string }[] }>(r.stdout).assistants.map((a) => a.graph_id);
    assert.ok(graphs.includes("agent"));
  });

  test("ids that are not UUIDs and empty messages are usage errors; no session is exit 4", async () => {
    const bad = await stack.cli("alice", ["threads", "show", "not-a-uuid"]);
    assert.equal(bad.code, 2);
    const empty = await stack.cli("alice", ["chat", "--message", "  "]);
    assert.equal(empty.code, 2);
    const nobody = await stack.cli("carol", ["threads", "list"]);
    assert.equal(nobody.code, 4);
    assert.match(nobody.stderr, /lgauth login --profile carol/);
    const noTty = await stack.cli("alice", ["chat"]);
    assert.equal(noTty.code, 2, "interactive chat without a terminal names --message");
    assert.match(noTty.stderr, /--message/);
  });

  test("a refused connection fails on the first try with one line naming the URL; --debug shows every request", async () => {
    const env = { ...stack.env, LANGGRAPH_URL: "http://127.0.0.1:9" };
    const { lgauthInProcess } = await import("../helpers/lgauth-in-process.js");
    const r = await lgauthInProcess(["--profile", "alice", "threads", "list"], { env });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "lgauth: cannot reach the LangGraph server at http://127.0.0.1:9 (connection refused) (is `lgauth dev` running? set --langgraph-url or LANGGRAPH_URL)\n",
    );
    // one attempt: the SDK's retries (1 s and 2 s apart, 5 s in all) are not waited for
    const d = await lgauthInProcess(["--debug", "--profile", "alice", "threads", "list"], { env });
    const tries = d.stderr.split("\n").filter((l) => l.startsWith("lgauth debug: LangGraph "));
    assert.equal(tries.length, 1, d.stderr);
    assert.match(
      tries[0] ?? "",
      /^lgauth debug: LangGraph POST \/threads\/search failed after \d+ ms: connection refused$/,
    );

    const live = await stack.cli("alice", ["--debug", "threads", "show", aliceThread]);
    assert.equal(live.code, 0, live.stderr);
    assert.match(
      live.stderr,
      new RegExp(`^lgauth debug: LangGraph GET /threads/${aliceThread}/state -> 200 in \\d+ ms$`, "m"),
    );
    noSecrets(live.stderr);
    assert.doesNotMatch(live.stderr, /Bearer|authorization/i);
  });

  test("a LangGraph URL that is Supabase Auth's, or the reverse, says which server answered", async () => {
    const lg = await stack.cli("alice", ["--langgraph-url", stack.auth.url, "threads", "list"]);
    assert.equal(lg.code, 1);
    assert.equal(
      lg.stderr,
      `lgauth: ${stack.auth.url} is Supabase Auth, not a LangGraph server (point --langgraph-url or LANGGRAPH_URL at the LangGraph server: \`lgauth dev\` prints it, port 2024 by default)\n`,
    );
    const sb = await stack.cli(
      "wrong",
      ["--supabase-url", stack.langgraphUrl, "login", "--email", ALICE.email, "--password-stdin"],
      `${ALICE.password}\n`,
    );
    assert.equal(sb.code, 1);
    assert.match(
      sb.stderr,
      new RegExp(`^lgauth: ${stack.langgraphUrl.replace(/\./g, "\\.")} is a LangGraph server, not Supabase Auth \\(`),
    );
    assert.doesNotMatch(sb.stderr, /Unexpected token|not valid JSON/);

    // some other web server (an HTML error page, an empty 404): named as not the server wanted,
    // never its page or a JSON parser's complaint
    const other = createServer((req, res) => {
      if (req.method === "POST") {
        res.writeHead(501, { "content-type": "text/html" }).end("<!DOCTYPE HTML><html><body>Unsupported</body></html>");
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const asAuth = await stack.cli(
        "wrong",
        ["--supabase-url", url, "login", "--email", ALICE.email, "--password-stdin"],
        `${ALICE.password}\n`,
      );
      assert.equal(asAuth.code, 1);
      assert.match(
        asAuth.stderr,
        new RegExp(
          `^lgauth: ${url} does not answer as Supabase Auth \\(HTTP 501, not JSON; no GoTrue at /auth/v1/health\\) \\(point --supabase-url`,
        ),
      );
      const asLangGraph = await stack.cli("alice", ["--langgraph-url", url, "threads", "list"]);
      assert.equal(asLangGraph.code, 1);
      assert.match(asLangGraph.stderr, new RegExp(`^lgauth: ${url} does not answer as a LangGraph server`));
      assert.doesNotMatch(asAuth.stderr + asLangGraph.stderr, /DOCTYPE|Unexpected end|try again later/);
    } finally {
      other.close();
    }
  });

  test("a request with an expired token is refused, refreshed once and retried (401 -> refresh)", async () => {
    const stale = await tokenOf("alice");
    // past its expiry and past the server's 5 s clock leeway
    await new Promise((r) => setTimeout(r, (TTL + 6) * 1000));
    const seen: number[] = [];
    let refreshes = 0;
    const tracking: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      seen.push(res.status);
      return res;
    };
    const tokens = {
      accessToken: async () => stale,
      refresh: async () => {
        refreshes += 1;
        return tokenOf("alice");
      },
    };
    const f = authorizedFetch(tokens, tracking);
    const res = await f(`${stack.langgraphUrl}/threads/search`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ limit: 5 }),
    });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(seen, [401, 200]);
    assert.equal(refreshes, 1);
    // and the client built on it never sends a LangSmith key
    const client = createLangGraphClient({ url: stack.langgraphUrl, tokens });
    assert.ok(Array.isArray(await client.threads.search({ limit: 1 })));
  });

  test("the server names the user by the display name in user_metadata, at once after they change it", async () => {
    const named = await stack.cli("bob", ["account", "update", "--name", "Bob Builder"]);
    assert.equal(named.code, 0, named.stderr);
    const r = await stack.cli("bob", ["chat", "--message", "who am I?", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(json<{ text: string }>(r.stdout).text, /^Hello Bob Builder! You said: "who am I\?"/);
    const who = await stack.cli("bob", ["whoami"]);
    assert.match(who.stdout, /^Bob Builder <bob@example\.com> \(/);
  });

  test("chat --message on a terminal says which thread it made, as the interactive chat does", async () => {
    const tty = (args: string[]) => lgauthInProcess(["--profile", "bob", ...args], { env: stack.env, tty: true });
    const made = await tty(["chat", "--message", "remember me"]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /You said: "remember me"/);
    const id = /thread ([0-9a-f-]{36}) \(come back with `lgauth chat \1`\)\n$/.exec(made.stderr)?.[1];
    assert.ok(id, `the thread is named on stderr: ${JSON.stringify(made.stderr)}`);
    const again = await tty(["chat", id, "--message", "again"]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /come back/, "a thread given is not named again");
    // in a script (no terminal) stdout and stderr carry the answer only
    const scripted = await stack.cli("bob", ["chat", "--message", "quiet"]);
    assert.equal(scripted.stderr, "");
  });
});

describe("interactive chat on a terminal (tmux)", () => {
  const socket = `lgauth-test-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const screen = () => tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "chat").stdout ?? "";
  async function until(pred: (s: string) => boolean, ms = 30_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const s = screen();
      if (pred(s)) return s;
      if (Date.now() > end) throw new Error(`screen never matched:\n${s}`);
      await new Promise((r) => setTimeout(r, 40));
    }
  }
  const prompt = (s: string) => /you>\s*$/.test(s.trimEnd());
  /** Types `typed` and Tab at the shell's `$ ` prompt; waits for the line to read `expected`, then clears it. */
  async function tabCompletes(typed: string, expected: string): Promise<void> {
    keys(typed, "Tab");
    await until((s) => (s.trimEnd().split("\n").at(-1) ?? "") === `$ ${expected}`);
    keys("C-u");
  }
  /** A folder with an `lgauth` that runs the built CLI, for a shell's PATH. */
  async function lgauthOnPath(): Promise<string> {
    const bin = join(stack.dir, "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, "lgauth"), `#!/bin/sh\nexec '${process.execPath}' '${LGAUTH_BIN}' "$@"\n`, {
      mode: 0o755,
    });
    return bin;
  }
  /** The stack's settings as `export` lines for a shell's rc file. */
  const shellExports = () =>
    Object.entries(stack.env)
      .filter(([k, v]) => v !== undefined && /^(LGAUTH_|SUPABASE_|LANGGRAPH_|NO_COLOR|HOME)/.test(k))
      .map(([k, v]) => `export ${k}='${String(v).replace(/'/g, "'\\''")}'`)
      .join("\n");
  const keys = (...k: string[]) => tmux("send-keys", "-t", "chat", ...k);
  /**
   * `lgauth chat <args>` in a tmux pane of a shell script that, when lgauth exits, prints
   * "exit=<code>" on a line of its own and waits, so the test reads the exit code and what the
   * terminal shows after it; resolves with that line's code.
   */
  async function chatOnTerminal(args: string[], env: NodeJS.ProcessEnv = {}) {
    tmux("kill-session", "-t", "chat");
    const script = join(stack.dir, "chat.sh");
    const exports = Object.entries({ ...stack.env, ...env })
      .filter(([k, v]) => v !== undefined && /^(LGAUTH_|SUPABASE_|LANGGRAPH_|NO_COLOR|PATH|HOME)/.test(k))
      .map(([k, v]) => `export ${k}='${String(v).replace(/'/g, "'\\''")}'`)
      .join("\n");
    const command = [process.execPath, LGAUTH_BIN, "--profile", "alice", "chat", ...args]
      .map((a) => `'${a}'`)
      .join(" ");
    // CI=true (set by CI runners) rightly turns prompts off; this test is the terminal a person uses
    await writeFile(script, `${exports}\nunset CI\nexport TERM=xterm\n${command}\necho "exit=$?"\nsleep 60\n`, {
      mode: 0o700,
    });
    const started = tmux("new-session", "-d", "-s", "chat", "-x", "200", "-y", "50", `sh ${script}`);
    assert.equal(started.status, 0, started.stderr);
    return {
      exited: async () => Number((await until((s) => /^exit=\d+$/m.test(s))).match(/^exit=(\d+)$/m)?.[1]),
    };
  }
  const threadsOfAlice = async () =>
    json<{ threads: { thread_id: string }[]; total: number }>(
      (await stack.cli("alice", ["threads", "list", "--json"])).stdout,
    );
  after(() => {
    tmux("kill-server");
  });

  test("a new chat makes its thread with the first message; /help and unknown /words never reach the model; tokens stream; Ctrl-C cancels an answer; a paste is one message", async () => {
    const before = (await threadsOfAlice()).total;
    const chat = await chatOnTerminal([]);
    await until((s) => prompt(s) && /new conversation: its thread is made with your first message/.test(s));
    keys("/help", "Enter");
    await until((s) => /\/new +a new conversation/.test(s) && prompt(s));
    keys("/wat", "Enter");
    await until((s) => /unknown command \/wat \(see \/help/.test(s) && prompt(s));
    assert.equal((await threadsOfAlice()).total, before, "no thread for an empty chat, nor for /help or /wat");

    keys("hello terminal", "Enter");
    // the answer ends with "(message 1 in this thread)."; catch the screen while it is still coming
    const partial = await until((s) => /agent> Hello/.test(s));
    const done = (s: string) => /message 1 in this thread\)\./.test(s);
    assert.ok(!done(partial), `expected a partial answer first, saw:\n${partial}`);
    const answered = await until((s) => done(s) && prompt(s));
    const id = answered.match(/thread ([0-9a-f-]{36}) \(come back with `lgauth chat \1`\)/)?.[1];
    assert.ok(id, `the new thread's id is shown:\n${answered}`);
    assert.equal((await threadsOfAlice()).total, before + 1);

    keys("please give me a long answer", "Enter");
    await until((s) => /sentence 3 of the long answer/.test(s));
    keys("C-c");
    await until((s) => /\(answer cancelled\)/.test(s) && prompt(s));

    // a pasted block of lines (bracketed paste, as terminals send it) is one message
    tmux("set-buffer", "-b", "lines", "first pasted line\nsecond pasted line");
    tmux("paste-buffer", "-p", "-b", "lines", "-t", "chat");
    await until((s) => /second pasted line\s*$/.test(s.trimEnd()));
    keys("Enter");
    await until((s) => /You said: "first pasted line second pasted line"/.test(s) && prompt(s));
    const shown = json<{ messages: { role: string; content: string }[] }>(
      (await stack.cli("alice", ["threads", "show", id, "--json"])).stdout,
    ).messages.filter((m) => m.role === "user");
    assert.deepEqual(
      shown.map((m) => m.content),
      ["hello terminal", "please give me a long answer", "first pasted line\nsecond pasted line"],
      "/help, /wat and the paste's lines were not sent one by one",
    );

    keys("/exit", "Enter");
    assert.equal(await chat.exited(), 0);
  });

  test("resuming shows the last messages; a network error is said and the chat goes on; Ctrl-D ends the line first", async () => {
    const last = (await threadsOfAlice()).threads[0]?.thread_id ?? "";
    const chat = await chatOnTerminal([last.slice(0, 18)], { LANGGRAPH_URL: stack.langgraphUrl });
    const resumed = await until((s) => prompt(s) && /earlier in this thread/.test(s));
    assert.match(resumed, /^you> first pasted line$/m);
    assert.match(resumed, new RegExp(`thread ${last} \\(come back with`));
    keys("C-d");
    const after = await until((s) => /^exit=0$/m.test(s));
    assert.match(after, /^you> ?\nexit=0$/m, `Ctrl-D left the prompt's line before exiting:\n${after}`);
    assert.equal(await chat.exited(), 0);

    // a LangGraph server that is not there: the error is one line, and the prompt comes back
    const offline = await chatOnTerminal([], { LANGGRAPH_URL: "http://127.0.0.1:9" });
    await until(prompt);
    keys("hello nobody", "Enter");
    await until((s) => /cannot reach the LangGraph server at http:\/\/127\.0\.0\.1:9/.test(s) && prompt(s));
    keys("/help", "Enter");
    await until((s) => /\/exit +leave/.test(s) && prompt(s));
    keys("/exit", "Enter");
    assert.equal(await offline.exited(), 0, "the session outlived the network error");
  });

  test("bash completion: profile names after --profile, your thread and run ids after thread and run arguments, never a hidden flag (#19 item 12)", async () => {
    const bin = await lgauthOnPath();
    const rc = join(stack.dir, "bashrc");
    await writeFile(
      rc,
      `${shellExports()}\nexport PATH='${bin}':"$PATH"\nPS1='$ '\neval "$(lgauth completion bash)"\necho ready\n`,
    );
    tmux("kill-session", "-t", "chat");
    const started = tmux(
      "new-session",
      "-d",
      "-s",
      "chat",
      "-x",
      "250",
      "-y",
      "50",
      `bash --noprofile --rcfile '${rc}' -i`,
    );
    assert.equal(started.status, 0, started.stderr);
    await until((s) => /^ready$/m.test(s) && /\$\s*$/.test(s.trimEnd()));

    keys("lgauth --profile ", "Tab", "Tab");
    const profiles = await until((s) => /\balice\b/.test(s) && /\bbob\b/.test(s));
    assert.match(profiles, /alice\s+bob/);
    keys("C-u");

    // --password is hidden (it only exists to refuse a password in argv): --passw completes to --password-stdin
    await tabCompletes("lgauth login --passw", "lgauth login --password-stdin");
    await tabCompletes(
      `lgauth --profile alice threads show ${aliceThread.slice(0, 16)}`,
      `lgauth --profile alice threads show ${aliceThread}`,
    );
    const runs = json<{ runs: { run_id: string }[] }>(
      (await stack.cli("alice", ["runs", "list", aliceThread, "--json"])).stdout,
    ).runs;
    const run = runs[0]?.run_id ?? "";
    await tabCompletes(
      `lgauth --profile alice runs cancel ${aliceThread} ${run.slice(0, 16)}`,
      `lgauth --profile alice runs cancel ${aliceThread} ${run}`,
    );
    keys("lgauth --profile bob threads show ", "Tab", "Tab");
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(screen(), new RegExp(aliceThread), "bob is never offered alice's threads");
    tmux("kill-session", "-t", "chat");
  });

  test("zsh completion on a terminal: profile names, your thread ids, never a hidden flag", {
    skip: shellMissing("zsh"),
  }, async () => {
    const bin = await lgauthOnPath();
    const zdot = join(stack.dir, "zsh");
    await mkdir(zdot, { recursive: true });
    await writeFile(
      join(zdot, ".zshrc"),
      `${shellExports()}\nexport PATH='${bin}':"$PATH"\nPS1='$ '\nautoload -U compinit && compinit -u\neval "$(lgauth completion zsh)"\necho ready\n`,
    );
    tmux("kill-session", "-t", "chat");
    const started = tmux("new-session", "-d", "-s", "chat", "-x", "250", "-y", "50", `env ZDOTDIR='${zdot}' zsh -i`);
    assert.equal(started.status, 0, started.stderr);
    await until((s) => /^ready$/m.test(s) && /\$\s*$/.test(s.trimEnd()));
    await tabCompletes("lgauth --profile al", "lgauth --profile alice");
    await tabCompletes("lgauth login --passw", "lgauth login --password-stdin");
    await tabCompletes(
      `lgauth --profile alice threads show ${aliceThread.slice(0, 16)}`,
      `lgauth --profile alice threads show ${aliceThread}`,
    );
    tmux("kill-session", "-t", "chat");
  });

  test("fish completion: profile names, your thread and run ids, never another user's", {
    skip: shellMissing("fish"),
  }, async () => {
    const script = join(stack.dir, "lgauth.fish");
    await writeFile(script, (await stack.cli("alice", ["completion", "fish"])).stdout);
    const bin = await lgauthOnPath();
    // asynchronously: the auth server runs in this process and must answer while fish waits
    const complete = async (line: string) => {
      const { stdout } = await execFileAsync(
        "fish",
        ["--no-config", "-c", `source '${script}'; complete -C '${line}'`],
        {
          encoding: "utf8",
          env: { ...stack.env, PATH: `${bin}:${process.env.PATH}` },
        },
      );
      return stdout
        .trim()
        .split("\n")
        .map((l) => l.split("\t")[0]);
    };
    assert.deepEqual(await complete("lgauth --profile al"), ["alice"]);
    assert.deepEqual(await complete("lgauth switch b"), ["bob"]);
    assert.deepEqual(await complete(`lgauth --profile alice threads show ${aliceThread.slice(0, 16)}`), [aliceThread]);
    const runs = json<{ runs: { run_id: string }[] }>(
      (await stack.cli("alice", ["runs", "list", aliceThread, "--json"])).stdout,
    ).runs;
    const run = runs[0]?.run_id ?? "";
    assert.deepEqual(await complete(`lgauth --profile alice runs cancel ${aliceThread} ${run.slice(0, 16)}`), [run]);
    assert.ok(
      !(await complete("lgauth --profile bob threads show ")).includes(aliceThread),
      "bob is never offered alice's threads",
    );
  });

  test("Ctrl-C at the idle prompt exits 130 (#19 item 7)", async () => {
    const chat = await chatOnTerminal([]);
    await until(prompt);
    keys("C-c");
    assert.equal(await chat.exited(), 130);
    assert.match(screen(), /lgauth: interrupted/);
  });
});

describe("Ctrl-C while runs create --wait waits (the built binary, a real SIGINT)", () => {
  test("it stops waiting, says the run goes on and how to cancel it, exits 130; the run runs on", async () => {
    const made = await stack.cli("bob", ["threads", "create", "--json"]);
    assert.equal(made.code, 0, made.stderr);
    const thread = json<{ thread_id: string }>(made.stdout).thread_id;
    const client = new Client({
      apiUrl: stack.langgraphUrl,
      apiKey: null,
      defaultHeaders: { Authorization: `Bearer ${await tokenOf("bob")}` },
    });
    const waiting = startChild(
      process.execPath,
      [LGAUTH_BIN, "--profile", "bob", "runs", "create", thread, "--message", "please give me a long answer", "--wait"],
      { env: stack.env },
    );
    try {
      // the offline model's long answer (some 4,000 tokens at 30 ms): still running when Ctrl-C comes
      let run: { run_id: string; status: string } | undefined;
      for (let i = 0; i < 600 && run?.status !== "running"; i++) {
        run = (await client.runs.list(thread))[0];
        if (run?.status !== "running") await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(run?.status, "running", waiting.output());
      const runId = run?.run_id ?? "";
      process.kill(-waiting.pid, "SIGINT"); // as a terminal sends it: to the process group
      const { code } = await waiting.exited;
      assert.equal(code, 130, waiting.output());
      assert.equal(
        waiting.output(),
        `lgauth: stopped waiting; run ${runId} goes on (cancel it with \`lgauth runs cancel ${thread} ${runId}\`)\n`,
      );
      assert.equal((await client.runs.get(thread, runId)).status, "running", "the run was left going");
      const cancelled = await stack.cli("bob", ["runs", "cancel", thread, runId]);
      assert.equal(cancelled.code, 0, cancelled.stderr);
    } finally {
      await waiting.stop();
    }
  });
});
