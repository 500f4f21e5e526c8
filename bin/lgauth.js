#!/usr/bin/env node
// Thin launcher: runs the bundled CLI built by `npm install` (prepare) or `npm run build`.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Answered here: printing the version needs none of the CLI.
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}

const bundle = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write("lgauth: the CLI is not built (run `npm run build` in the lgauth folder)\n");
  process.exit(1);
}
await import(bundle);
