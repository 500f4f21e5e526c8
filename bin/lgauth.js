#!/usr/bin/env node
// Thin launcher: runs the bundled CLI built by `npm install` (prepare) or `npm run build`.
// CommonJS (bin/package.json), like the CLI's start-up bundle: an ES module entry costs every
// command the ESM loader's start-up.
const { existsSync, readFileSync, statSync } = require("node:fs");
const { dirname, join } = require("node:path");

/**
 * Compiles and runs the start-up bundle as the CommonJS loader would, but with V8's code cache
 * that the build writes beside it (`cli.cjs.cache`, see scripts/build.mjs): compiling the bundle
 * from source was the largest part of a short command's CPU time. The cache is used only when it
 * is at least as new as the bundle; V8 itself rejects one made by another Node version or with
 * other V8 flags, and then the bundle is compiled from source as without a cache. File names and
 * line numbers in stack traces are those of dist/cli.cjs either way. Returns the compiled script
 * (the build asks it for the cache after a run).
 */
function runBundle(bundle) {
  const vm = require("node:vm");
  const Module = require("node:module");
  const source = readFileSync(bundle, "utf8");
  let cachedData;
  try {
    const cache = `${bundle}.cache`;
    if (statSync(cache).mtimeMs >= statSync(bundle).mtimeMs) cachedData = readFileSync(cache);
  } catch {
    // no cache (or unreadable): compile from source
  }
  // the wrapper on a line of its own (lineOffset -1) keeps the bundle's lines and columns
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: bundle,
    lineOffset: -1,
    cachedData,
  });
  const dir = dirname(bundle);
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dir);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dir);
  mod.loaded = true;
  return script;
}

if (require.main === module) {
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
  runBundle(bundle);
} else {
  module.exports = { runBundle };
}
