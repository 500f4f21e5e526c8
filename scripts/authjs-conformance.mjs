// Helpers for running @supabase/auth-js's own test suite against the local auth server (see
// docs/conformance.md; it needs the network to fetch the suite, so it is not part of npm test).
//
//   node scripts/authjs-conformance.mjs gotrue <docker-compose.yml>
//     Starts one standalone local server (dist/children/local-supabase/main.js) per GoTrue
//     service of the compose file, with that service's GOTRUE_* environment, each behind a small
//     gateway on the service's published PORT. GoTrue answers at the root with no apikey; our
//     server answers under /auth/v1 behind the apikey check, as a Supabase gateway (Kong) puts
//     it, so the gateway here plays Kong: /X -> /auth/v1/X, plus the server's anon key as apikey
//     when the request has none. Prints "ready" when every server answers; stops them on
//     SIGINT/SIGTERM.
//   node scripts/authjs-conformance.mjs summary <jest --json output> [--failures]
//     Passing/failing/skipped tests per file as a Markdown table (and each failure's name).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The services of a docker-compose file with their image, environment and published port: the
 * block-style subset auth-js's infra/docker-compose.yml is written in (no YAML library needed).
 */
function composeServices(text) {
  const services = [];
  let section = "";
  let current;
  let inEnv = false;
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) section = line.replace(/:.*$/, "");
    if (section !== "services") continue;
    const service = /^ {2}([\w-]+):/.exec(line);
    if (service) {
      current = { name: service[1], image: "", env: {} };
      services.push(current);
      inEnv = false;
      continue;
    }
    if (!current) continue;
    const key = /^ {4}(\w+):\s*(.*)$/.exec(line);
    if (key) {
      inEnv = key[1] === "environment";
      if (key[1] === "image") current.image = key[2].trim();
      continue;
    }
    const env = inEnv ? /^ {6}([A-Z0-9_]+):\s*(.*)$/.exec(line) : null;
    if (env) {
      let value = env[2].trim();
      if (/^'.*'$/.test(value)) value = value.slice(1, -1).replace(/''/g, "'");
      else if (/^".*"$/.test(value)) value = JSON.parse(value);
      current.env[env[1]] = value.replace(/\$\{[A-Z0-9_]+\}/g, ""); // compose: an unset variable is ""
    }
  }
  return services.filter((s) => s.image.startsWith("supabase/auth") || s.image.startsWith("supabase/gotrue"));
}

async function startServer(service, children) {
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  for (const [k, v] of Object.entries(service.env)) if (k.startsWith("GOTRUE_")) env[k] = v;
  const child = spawn(process.execPath, [join(ROOT, "dist/children/local-supabase/main.js"), "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stderr.on("data", (d) => process.stderr.write(`[${service.name}] ${d}`));
  let out = "";
  const ready = await new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`${service.name}: the server exited with ${code}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
  });
  const upstream = new URL(ready.supabase_url);
  const gateway = http.createServer((req, res) => {
    const headers = { ...req.headers, host: upstream.host };
    if (!headers.apikey) headers.apikey = ready.supabase_anon_key;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: `/auth/v1${req.url}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  const port = Number(service.env.PORT);
  await new Promise((resolve, reject) => {
    gateway.once("error", reject);
    gateway.listen(port, "127.0.0.1", resolve);
  });
  console.log(`${service.name}: http://localhost:${port} -> ${ready.supabase_url}/auth/v1`);
  return gateway;
}

async function gotrue(composeFile) {
  const services = composeServices(readFileSync(composeFile, "utf8"));
  if (services.length === 0) throw new Error(`no supabase/auth service in ${composeFile}`);
  const children = [];
  const gateways = [];
  const stop = () => {
    for (const g of gateways) g.close();
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    for (const s of services) gateways.push(await startServer(s, children));
  } catch (err) {
    stop();
    throw err;
  }
  console.log("ready");
}

function summary(file, failures) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const rows = report.testResults
    .map((f) => {
      const n = { passed: 0, failed: 0, skipped: 0 };
      for (const t of f.assertionResults) n[t.status === "passed" || t.status === "failed" ? t.status : "skipped"] += 1;
      const broken = f.status === "failed" && f.assertionResults.length === 0 ? " (the file did not run)" : "";
      return { name: relative(process.cwd(), f.name), ...n, broken };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  console.log("| file | pass | fail | skip |\n|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.name}${r.broken} | ${r.passed} | ${r.failed} | ${r.skipped} |`);
  const total = (k) => rows.reduce((sum, r) => sum + r[k], 0);
  console.log(`| total | ${total("passed")} | ${total("failed")} | ${total("skipped")} |`);
  if (failures) {
    for (const f of report.testResults) {
      for (const t of f.assertionResults)
        if (t.status === "failed") console.log(`FAIL ${relative(process.cwd(), f.name)} :: ${t.fullName}`);
    }
  }
}

const [command, arg, flag] = process.argv.slice(2);
if (command === "gotrue" && arg) {
  gotrue(arg).catch((err) => {
    console.error(`authjs-conformance: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
} else if (command === "summary" && arg) {
  summary(arg, flag === "--failures");
} else {
  console.error(
    "usage: node scripts/authjs-conformance.mjs gotrue <docker-compose.yml> | summary <jest.json> [--failures]",
  );
  process.exit(2);
}
