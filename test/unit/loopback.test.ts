/** The one-shot loopback receiver of `login --provider`, over real HTTP on 127.0.0.1. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openerFor } from "../../src/cli/browser.js";
import { LgauthError } from "../../src/util/errors.js";
import { startLoopbackReceiver } from "../../src/session/loopback.js";

function withQuery(redirectUri: string, params: Record<string, string>): string {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

describe("loopback receiver", () => {
  test("listens on 127.0.0.1 with a kernel-chosen port and a fresh random state per login", async () => {
    const a = await startLoopbackReceiver();
    const b = await startLoopbackReceiver();
    try {
      const ua = new URL(a.redirectUri);
      const ub = new URL(b.redirectUri);
      assert.equal(ua.hostname, "127.0.0.1");
      assert.equal(ua.pathname, "/callback");
      assert.notEqual(ua.port, ub.port);
      const sa = ua.searchParams.get("state") ?? "";
      assert.ok(sa.length >= 32, "state has at least 192 bits");
      assert.notEqual(sa, ub.searchParams.get("state"));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("the code with the right state is handed over, and the tab gets the final page", async () => {
    const r = await startLoopbackReceiver();
    try {
      const waiting = r.wait(10_000);
      const browser = fetch(withQuery(r.redirectUri, { code: "c0de" }));
      assert.deepEqual(await waiting, { kind: "code", code: "c0de" });
      r.finish({ ok: true, message: "Logged in to lgauth as <ada>." });
      const res = await browser;
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      assert.equal(res.headers.get("cache-control"), "no-store");
      const html = await res.text();
      assert.match(html, /Logged in to lgauth as &#60;ada&#62;\./, "message shown, HTML escaped");
      const again = await fetch(withQuery(r.redirectUri, { code: "c0de" }));
      assert.equal(again.status, 410, "one shot: a second answer is refused");
    } finally {
      await r.close();
    }
  });

  test("a wrong or missing state fails the login at once", async () => {
    for (const bad of [{ state: "forged" }, {}]) {
      const r = await startLoopbackReceiver();
      try {
        const waiting = r.wait(10_000);
        waiting.catch(() => undefined); // asserted below, after the request
        const u = new URL(r.redirectUri);
        u.searchParams.delete("state");
        for (const [k, v] of Object.entries(bad)) u.searchParams.set(k, v);
        u.searchParams.set("code", "stolen");
        const res = await fetch(u);
        assert.equal(res.status, 400);
        await assert.rejects(
          waiting,
          (e: unknown) => e instanceof LgauthError && e.code === "oauth_state_mismatch" && /state/.test(e.message),
        );
      } finally {
        await r.close();
      }
    }
  });

  test("a provider error comes back as an error, other paths are 404", async () => {
    const r = await startLoopbackReceiver();
    try {
      const waiting = r.wait(10_000);
      const other = await fetch(new URL("/favicon.ico", r.redirectUri));
      assert.equal(other.status, 404);
      const browser = fetch(
        withQuery(r.redirectUri, { error: "access_denied", error_description: "The user denied access" }),
      );
      const got = await waiting;
      assert.deepEqual(got, {
        kind: "error",
        error: "access_denied",
        errorCode: undefined,
        description: "The user denied access",
      });
      r.finish({ ok: false, message: "refused" });
      assert.equal((await browser).status, 400);
    } finally {
      await r.close();
    }
  });

  test("no answer within the timeout is an error naming the wait", async () => {
    const r = await startLoopbackReceiver();
    try {
      await assert.rejects(
        r.wait(200),
        (e: unknown) =>
          e instanceof LgauthError && e.code === "oauth_timeout" && /no answer from the browser/.test(e.message),
      );
    } finally {
      await r.close();
    }
  });
});

describe("browser opener", () => {
  test("$BROWSER wins, then the platform's opener", () => {
    assert.deepEqual(openerFor({ BROWSER: "firefox" }, "linux"), ["firefox", []]);
    assert.deepEqual(openerFor({}, "linux"), ["xdg-open", []]);
    assert.deepEqual(openerFor({}, "darwin"), ["open", []]);
    assert.deepEqual(openerFor({}, "win32"), ["rundll32", ["url.dll,FileProtocolHandler"]]);
  });
});
