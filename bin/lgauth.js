#!/usr/bin/env node
// Thin launcher: runs the bundled CLI built by `npm install` (prepare) or `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write("lgauth: the CLI is not built (run `npm run build` in the lgauth folder)\n");
  process.exit(1);
}
await import(bundle);
