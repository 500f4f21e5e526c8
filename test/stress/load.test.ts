/**
 * Load: 50 users, each signed up and logged in through the CLI's session layer (src/session,
 * in this process, 0600 file store in a private config dir), chat and list their threads for
 * 60 s against the local stack (startStack: local Supabase Auth + LangGraph server with our
 * Auth, free ports, loopback). Zero failed requests, and every thread list a user receives
 * holds only threads that user created (checked on every response, counted). Bounded loops:
 * LGAUTH_LOAD_USERS, LGAUTH_LOAD_SECONDS change the size.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Client } from "@langchain/langgraph-sdk";
import { createLangGraphClient } from "../../src/langgraph/client.js";
import { listThreads, streamAnswer } from "../../src/langgraph/conversations.js";
import { chooseStoreForLogin } from "../../src/session/credentials/select.js";
import { passwordAuth } from "../../src/session/login.js";
import { forceRefresh, getAccessToken, type SessionContext } from "../../src/session/session.js";
import { sessionContext } from "../helpers/session-context.js";
import { type Stack, startStack } from "../../src/stack/index.js";
import { createRecorder } from "../helpers/recorder.js";

const USERS = Number(process.env.LGAUTH_LOAD_USERS ?? 50);
const SECONDS = Number(process.env.LGAUTH_LOAD_SECONDS ?? 60);
const MAX_ROUNDS = 500; // per user: a bound even if the server were very fast

/** An error's message and those of its causes (a network failure's code is two levels down). */
function causes(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${e.message} [${code}]` : e.message);
  }
  return parts.join(" <- ");
}

describe(`load: ${USERS} users chatting and listing threads for ${SECONDS} s`, () => {
  let stack: Stack;
  let dir: string;
  const saved = { ...process.env };
  const counts = {
    requests: 0,
    chats: 0,
    lists: 0,
    threadsSeenInLists: 0,
    foreignThreadsSeen: 0,
    failures: 0,
    refreshes: 0,
  };
  const failures: string[] = [];
  const rec = createRecorder();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lgauth-load-"));
    stack = await startStack({
      dataDir: join(dir, "stack"),
      authInMemory: true,
      authPort: 0,
      langgraphPort: 0,
      nWorkers: 4,
      env: { ...process.env, LGAUTH_OFFLINE_TOKEN_DELAY_MS: "2" },
    });
    // the session layer reads its config dir and servers from the environment, as the CLI does
    process.env.LGAUTH_CONFIG_DIR = join(dir, "config");
    process.env.LGAUTH_CREDENTIAL_STORE = "file";
    process.env.SUPABASE_URL = stack.supabaseUrl;
    process.env.SUPABASE_ANON_KEY = stack.anonKey;
    process.env.LANGGRAPH_URL = stack.langgraphUrl;
    delete process.env.LGAUTH_PROFILE;
    delete process.env.LGAUTH_ACCESS_TOKEN;
  });

  after(async () => {
    console.log(
      `stress-load: users=${USERS} seconds=${SECONDS} requests=${counts.requests} chats=${counts.chats} ` +
        `lists=${counts.lists} threads-checked=${counts.threadsSeenInLists} foreign-threads=${counts.foreignThreadsSeen} ` +
        `failures=${counts.failures}`,
    );
    process.env = saved;
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function loginUser(i: number): Promise<{ ctx: SessionContext; userId: string; client: Client }> {
    const ctx: SessionContext = sessionContext({ profile: `user${i}` });
    const chosen = await chooseStoreForLogin(ctx, { insecureStorage: false, probeAccount: "probe" });
    rec.secrets.add(`pw-load-${i}-Secret`);
    const outcome = await passwordAuth(ctx, "signup", `load.user${i}@example.com`, `pw-load-${i}-Secret`, chosen);
    assert.equal(outcome.status, "logged_in");
    assert.ok(outcome.userId);
    let last: string | undefined;
    const client = createLangGraphClient({
      url: stack.langgraphUrl ?? "",
      tokens: {
        async accessToken() {
          last = await getAccessToken(ctx, { minValiditySeconds: 60 });
          rec.secrets.add(last);
          return last;
        },
        async refresh() {
          counts.refreshes += 1;
          last = await forceRefresh(ctx, last);
          return last;
        },
      },
    });
    return { ctx, userId: outcome.userId, client };
  }

  test("zero failed requests; every list holds only the user's own threads", async () => {
    const users: Awaited<ReturnType<typeof loginUser>>[] = [];
    for (let i = 0; i < USERS; i += 5) {
      users.push(...(await Promise.all(Array.from({ length: Math.min(5, USERS - i) }, (_, k) => loginUser(i + k)))));
    }
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      users.map(async (u, idx) => {
        const mine = new Set<string>();
        let thread: string | undefined;
        for (let round = 0; round < MAX_ROUNDS && Date.now() < deadline; round++) {
          try {
            if (round % 3 === 0 || !thread) {
              counts.requests += 1;
              thread = (await u.client.threads.create()).thread_id;
              mine.add(thread);
            }
            counts.requests += 1;
            const answer = await streamAnswer(u.client, thread, `message ${round} from user ${idx}`);
            counts.chats += 1;
            if (!answer.text) throw new Error("empty answer");
            counts.requests += 1;
            const list = await listThreads(u.client, { limit: 1000 });
            counts.lists += 1;
            for (const t of list) {
              counts.threadsSeenInLists += 1;
              if (t.metadata.owner !== u.userId) {
                counts.foreignThreadsSeen += 1;
                failures.push(`user${idx} saw thread ${t.thread_id} owned by ${String(t.metadata.owner)}`);
              } else if (!mine.has(t.thread_id)) {
                // the user's own, but not one it saw created: a create whose answer it never got
                failures.push(`user${idx} listed its own thread ${t.thread_id}, whose create had failed on its side`);
              }
            }
            if (list.length !== mine.size) throw new Error(`user${idx} listed ${list.length} of ${mine.size} threads`);
          } catch (err) {
            counts.failures += 1;
            failures.push(`user${idx} round ${round}: ${causes(err)}`);
          }
        }
      }),
    );
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failures`);
    assert.equal(counts.foreignThreadsSeen, 0);
    assert.ok(counts.lists >= USERS, "every user listed at least once");
  });

  test("secrets: no password or token in the argv or environment of the stack's servers", async () => {
    await rec.addProcess("auth server", stack.pids.auth);
    if (stack.pids.langgraph) await rec.addProcess("LangGraph server", stack.pids.langgraph);
    const hits = rec.scan();
    console.log(`stress-load secrets: secrets=${rec.secrets.size} bytes-scanned=${rec.bytes} hits=${hits.length}`);
    assert.deepEqual(hits, []);
  });
});
