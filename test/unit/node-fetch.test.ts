/**
 * The CLI's node:http fetch and kept-alive sockets: a server that drops a reused connection
 * (as one whose keep-alive timer fired at that moment does) costs one silent resend, while a
 * failure on a fresh connection is reported as fetch's network error.
 */
import assert from "node:assert/strict";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { after, describe, test } from "node:test";
import { nodeFetch } from "../../src/langgraph/node-fetch.js";

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe("node:http fetch", () => {
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  test("a reused socket dropped by the server is sent again once, on a new socket", async () => {
    const perSocket = new Map<Socket, number>();
    let requests = 0;
    const server = createServer((req, res) => {
      requests += 1;
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n === 2) {
        req.socket.destroy(); // the second request on a kept-alive socket: dropped unanswered
        return;
      }
      res.end(JSON.stringify({ n: requests }));
    });
    servers.push(server);
    const url = await listen(server);
    const first = await nodeFetch(`${url}/a`);
    assert.equal(first.status, 200);
    await first.text();
    const second = await nodeFetch(`${url}/b`, { method: "POST", body: JSON.stringify({ x: 1 }) });
    assert.equal(second.status, 200);
    assert.deepEqual(await second.json(), { n: 3 });
    assert.equal(requests, 3, "one request dropped, then sent again");
    assert.equal(perSocket.size, 2, "the resend used a new socket");
  });

  test("a reset on a fresh socket is not retried and reads as fetch's network error", async () => {
    let requests = 0;
    const server = createServer((req) => {
      requests += 1;
      req.socket.destroy();
    });
    servers.push(server);
    const url = await listen(server);
    await assert.rejects(nodeFetch(`${url}/x`), (e: unknown) => e instanceof TypeError && e.message === "fetch failed");
    assert.equal(requests, 1);
  });
});
