/**
 * What src/stack/run-done.ts relies on in @langchain/langgraph-api: the stream join waits for a
 * "done" control message, the worker ends a run with runs.setStatus then threads.setStatus, and
 * the ops module exports what the patch wraps. An upgrade that changes any of it fails here.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { installRunDone, opsModuleUrl } from "../../src/stack/run-done.js";

const opsFile = fileURLToPath(opsModuleUrl());
const queueFile = fileURLToPath(new URL("../queue.mjs", opsModuleUrl()));

describe("run-done: the dev server's join and worker as run-done.ts expects them", () => {
  it("join ends on a run:<id>:control 'done' message, which nothing in the server publishes", async () => {
    const ops = await readFile(opsFile, "utf8");
    assert.match(ops, /message\.topic === `run:\$\{runId\}:control`\)\s*\{\s*if \(message\.data === "done"\)\s*break;/);
    assert.match(ops, /export const StreamManager = /);
    assert.doesNotMatch(ops, /data: "done"/, "the server publishes done itself now: run-done.ts can go");
  });
  it("the worker sets the run's status, then its thread's", async () => {
    const worker = await readFile(queueFile, "utf8");
    const run = worker.lastIndexOf("await ops.runs.setStatus(run.run_id, status);");
    const thread = worker.indexOf("await ops.threads.setStatus(run.thread_id, { checkpoint, exception });");
    assert.ok(run > 0 && thread > run, "runs.setStatus, then threads.setStatus in the worker's finally");
  });
  it("installs on the installed server", async () => {
    assert.equal(await installRunDone(), true);
  });
});
