/**
 * The secret recorder can fail: test/fixtures/recorder-leak.fixture.ts is run twice in test
 * processes of its own, set up exactly like every test file (tsx, test/helpers/record-all.ts).
 * Clean, the file passes and the recorder knows the password and the tokens without being
 * told; leaking on purpose, the file fails and the recorder names every place, never the secret.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const root = fileURLToPath(new URL("../..", import.meta.url));

function runFixture(mode: "clean" | "leak"): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, RECORDER_FIXTURE: mode };
  delete env.NODE_TEST_CONTEXT; // a runner of its own, not a subtest of this file
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        "./test/helpers/record-all.ts",
        "--test",
        "--test-reporter=spec",
        "test/fixtures/recorder-leak.fixture.ts",
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function counts(output: string): Record<string, number> {
  const line = output.split("\n").find((l) => l.includes("secret-recorder recorder-leak.fixture.ts: bytes=")) ?? "";
  return Object.fromEntries([...line.matchAll(/([a-z-]+)=(\d+)/g)].map((m) => [m[1] ?? "", Number(m[2])]));
}

test("the recorder passes a clean file and fails a leaking one, naming each place", async () => {
  const [clean, leak] = await Promise.all([runFixture("clean"), runFixture("leak")]);

  const c = counts(clean.output);
  assert.equal(clean.code, 0, `the clean fixture passes:\n${clean.output}`);
  assert.equal(c.hits, 0, clean.output);
  // password (from --password-stdin), access and refresh token (server answers, credentials file)
  assert.ok((c.secrets ?? 0) >= 3, `secrets learned without help: ${c.secrets}\n${clean.output}`);
  assert.ok((c["lgauth-runs"] ?? 0) >= 2, clean.output);

  const l = counts(leak.output);
  assert.notEqual(leak.code, 0, `the leaking fixture fails:\n${leak.output}`);
  const hits = leak.output
    .split("\n")
    .filter((line) => /^\s+\S.*: (password|access token|refresh token|token|secret) #\d+/.test(line));
  const expected: [string, RegExp][] = [
    [
      "a token in a child's argv",
      /argv of node -e process\.stderr\.write\(process\.argv\[1\]\) <\d+ chars>: (access token|token) #/,
    ],
    ["the token echoed on the child's stderr", /stderr of node -e .*: (access token|token) #/],
    ["the password in the config file", /file .*config\.json: password #/],
    ["the refresh token on the console", /console of the test process: (refresh token|token) #/],
  ];
  for (const [what, pattern] of expected) {
    assert.ok(
      hits.some((h) => pattern.test(h)),
      `the scan reports ${what}:\n${leak.output}`,
    );
  }
  assert.match(leak.output, /credentials\.json has mode 0644/, "the loose credentials file is reported");
  assert.equal(l.hits, hits.length + 1, "the counts line agrees with the places listed (+1 mode finding)");
  assert.ok(!leak.output.includes("fixture-Password-9731"), "the report never prints the secret itself");
  assert.ok(!/eyJhbGciOi/.test(leak.output), "nor a token, nor a part of one");
});
