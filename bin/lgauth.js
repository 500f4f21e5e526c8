#!/usr/bin/env node
// Thin launcher: runs the bundled CLI built by `npm install` (prepare) or `npm run build`.
// CommonJS (bin/package.json), like the CLI's start-up bundle: an ES module entry costs every
// command the ESM loader's start-up.
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Answered here: printing the version needs none of the CLI.
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}

const bundle = join(__dirname, "..", "dist", "cli.cjs");
if (!existsSync(bundle)) {
  process.stderr.write("lgauth: the CLI is not built (run `npm run build` in the lgauth folder)\n");
  process.exit(1);
}
require(bundle);
