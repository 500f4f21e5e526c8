/**
 * Thread and run ids as people type them: a whole UUID, or (as git takes short hashes) the start
 * of one of the user's own threads or runs when it is unique. The server's owner filter decides
 * what "own" is: a prefix is matched only against what it lists for this user, so someone else's
 * ids are never found, as a full id of theirs is "not found".
 */
import type { Client } from "@langchain/langgraph-sdk";
import { LgauthError } from "../util/errors.js";
import { pickByPrefix } from "../util/id-prefix.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Ids are listed this many at a time while a prefix is looked up. */
const PAGE = 1000;
/** A prefix is looked up among at most this many ids (then more characters are needed). */
const MAX_IDS = 20_000;

export type IdKind = "thread" | "run";

/** All ids `page` lists, a page at a time (stops at MAX_IDS). */
async function allIds(page: (offset: number) => Promise<string[]>): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; offset < MAX_IDS; offset += PAGE) {
    const got = await page(offset);
    ids.push(...got);
    if (got.length < PAGE) break;
  }
  return ids;
}

function pick(kind: IdKind, prefix: string, ids: string[], where: string): string {
  return pickByPrefix(
    kind,
    prefix,
    ids,
    (id) => id,
    where,
    (message) => new LgauthError("langgraph_not_found", message),
  );
}

/** The thread `idOrPrefix` names: a whole id as it is, a prefix resolved among the user's threads. */
export async function resolveThreadId(client: Client, idOrPrefix: string): Promise<string> {
  if (UUID.test(idOrPrefix)) return idOrPrefix;
  const ids = await allIds(async (offset) =>
    (await client.threads.search({ limit: PAGE, offset, select: ["thread_id"] })).map((t) => t.thread_id),
  );
  return pick("thread", idOrPrefix, ids, "of yours ");
}

/** The run of `threadId` that `idOrPrefix` names (a whole id, or the start of one of its runs). */
export async function resolveRunId(client: Client, threadId: string, idOrPrefix: string): Promise<string> {
  if (UUID.test(idOrPrefix)) return idOrPrefix;
  const ids = await allIds(async (offset) =>
    (await client.runs.list(threadId, { limit: PAGE, offset })).map((r) => r.run_id),
  );
  return pick("run", idOrPrefix, ids, "on this thread ");
}

/** How many runs a thread has (the API has no count for runs: the ids are listed). */
export async function countRuns(client: Client, threadId: string): Promise<number> {
  return (
    await allIds(async (offset) => (await client.runs.list(threadId, { limit: PAGE, offset })).map((r) => r.run_id))
  ).length;
}
