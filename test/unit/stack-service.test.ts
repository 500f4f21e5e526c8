/**
 * The stack's process supervision (src/stack/service.ts, ports.ts) with small node scripts as
 * children: ready detection, the reason a child gives when it dies, group stop reaching
 * grandchildren, and the port check.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { ensurePortFree, PortInUseError } from "../../src/stack/ports.js";
import { readyJson, spawnService } from "../../src/stack/service.js";

function script(code: string) {
  return ["-e", code];
}

/** Running, not a zombie (an orphan killed here is reparented to an init that may not reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("spawnService", () => {
  it("resolves ready from the JSON line and keeps that line out of the log", async () => {
    const s = spawnService({
      name: "auth",
      args: script(
        `console.log("booting"); console.log(JSON.stringify({ready:true,url:"http://x",anonKey:"secret-key"})); setInterval(()=>{},1000)`,
      ),
      env: process.env,
      parseReady: (line) => readyJson<{ url: string }>(line),
    });
    assert.equal((await s.ready).url, "http://x");
    assert.deepEqual(s.recentLog(), ["booting"]);
    await s.stop();
  });

  it("says which child died and with what last words", async () => {
    const s = spawnService({
      name: "langgraph",
      args: script(
        `console.log(JSON.stringify({ready:true})); setTimeout(()=>{console.error("Error: boom in graph"); process.exit(3)}, 50)`,
      ),
      env: process.env,
      parseReady: (line) => readyJson(line),
    });
    await s.ready;
    const exit = await s.exited;
    assert.equal(exit.code, 3);
    assert.equal(exit.name, "langgraph");
    assert.match(exit.reason, /^LangGraph server exited with code 3: Error: boom in graph$/);
  });

  it("rejects ready when the child exits first, explaining a taken port", async () => {
    const s = spawnService({
      name: "auth",
      args: script(
        `console.error("Error: listen EADDRINUSE: address already in use 127.0.0.1:54321"); process.exit(1)`,
      ),
      env: process.env,
      parseReady: (line) => readyJson(line),
      explain: (line) => (/EADDRINUSE/.test(line) ? "port 54321 is already in use" : undefined),
    });
    await assert.rejects(s.ready, /local Supabase Auth server failed to start: port 54321 is already in use/);
  });

  it("stops the child's whole process group, grandchildren included", async () => {
    const s = spawnService({
      name: "langgraph",
      args: script(
        `const {spawn}=require("node:child_process"); const g=spawn(process.execPath,["-e","setInterval(()=>{},1000)"],{stdio:"ignore"}); console.log(JSON.stringify({ready:true,grandchild:g.pid})); setInterval(()=>{},1000)`,
      ),
      env: process.env,
      parseReady: (line) => readyJson<{ grandchild: number }>(line),
    });
    const { grandchild } = await s.ready;
    assert.ok(alive(grandchild));
    await s.stop();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!alive(s.pid), "child gone");
    assert.ok(!alive(grandchild), "grandchild gone");
  });

  it("times out a child that never gets ready", async () => {
    const s = spawnService({
      name: "auth",
      args: script("setInterval(()=>{},1000)"),
      env: process.env,
      parseReady: (line) => readyJson(line),
      readyTimeoutMs: 300,
    });
    await assert.rejects(s.ready, /not ready after/);
    await s.stop();
  });
});

describe("ensurePortFree", () => {
  it("names a port something else listens on", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await assert.rejects(ensurePortFree("127.0.0.1", port, "LangGraph server"), (err: unknown) => {
        assert.ok(err instanceof PortInUseError);
        assert.equal(err.port, port);
        assert.match(err.message, new RegExp(`port ${port} is already in use \\(wanted for LangGraph server\\)`));
        return true;
      });
    } finally {
      server.close();
    }
    await ensurePortFree("127.0.0.1", port, "LangGraph server"); // free again
    await ensurePortFree("127.0.0.1", 0, "anything");
  });
});
