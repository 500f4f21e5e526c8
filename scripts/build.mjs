// Bundles the CLI into dist/ with esbuild, in two parts:
// - dist/cli.cjs, the start-up bundle (CommonJS, loaded by bin/lgauth.js with require): the
//   program, its parsers, the context, and the commands that must answer fastest (whoami,
//   token), statically. An ES module entry costs every command the ESM loader's start-up
//   (~10% of `node -e 0`), which this avoids.
// - dist/esm/, every other command and the supabase-js client of the session layer (ES modules,
//   code splitting), imported on demand with import() from the start-up bundle.
// Two copies of a module can exist (one per part); LgauthError is recognised across them
// (src/util/errors.ts).
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

await rm(join(root, "dist"), { recursive: true, force: true });

const REQUIRE_BANNER =
  "import { createRequire as __lgauthCreateRequire } from 'node:module'; const require = __lgauthCreateRequire(import.meta.url);";

/** What dist/cli.cjs calls instead of import() (as long as the word, see below). */
const IMPORT_FN = "__lgim";

/** Actions in the start-up bundle; every other one is an ES module of dist/esm/actions/. */
const STARTUP_ACTIONS = new Set(["whoami", "token"]);

const shared = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  define: { __LGAUTH_VERSION__: JSON.stringify(pkg.version) },
  // Native addons, the embedded database (loads its wasm beside its module) and the
  // LangGraph server (spawned as its own process) stay outside the bundle.
  external: [
    "keytar",
    "@napi-rs/keyring",
    "@electric-sql/pglite",
    "@electric-sql/pglite/*",
    "@langchain/langgraph-api",
    "@langchain/langgraph-api/*",
    "@langchain/langgraph-cli",
    "@langchain/langgraph",
    "bcryptjs",
    "tsx",
    "tsx/*",
    "esbuild",
  ],
  plugins: [
    {
      // commander loads node:child_process at start for executable subcommands, which lgauth
      // does not have: it gets a stub that loads the real module only if it is ever used.
      name: "lazy-child-process-in-commander",
      setup(b) {
        b.onResolve({ filter: /^node:child_process$/ }, (args) =>
          /[/\\]node_modules[/\\]commander[/\\]/.test(args.importer)
            ? { path: join(root, "scripts", "commander-child-process-stub.cjs") }
            : undefined,
        );
      },
    },
    {
      // The SDK's protocol-v2 and React code imports @langchain/core's message classes at load
      // time; the CLI never runs that code, so the bundle gets a stub that throws if it ever did.
      name: "stub-core-messages",
      setup(b) {
        b.onResolve({ filter: /^@langchain\/core\/messages$/ }, () => ({
          path: join(root, "scripts", "core-messages-stub.mjs"),
        }));
      },
    },
  ],
};

const actionFiles = (await readdir(join(root, "src", "cli", "actions"))).filter((f) => f.endsWith(".ts"));
await build({
  ...shared,
  entryPoints: {
    ...Object.fromEntries(actionFiles.map((f) => [`actions/${basename(f, ".ts")}`, `src/cli/actions/${f}`])),
    "session-client": "src/session/client.ts",
  },
  outdir: "dist/esm",
  splitting: true,
  format: "esm",
  banner: { js: REQUIRE_BANNER },
});

// The banner gives CommonJS code (parts of the SDKs) the `require` it calls. esbuild puts it on
// every chunk, and each createRequire() costs start-up time, so it is removed from the chunks
// that never say `require` (with the first, empty line of their source map).
for (const entry of await readdir(join(root, "dist", "esm"), { recursive: true })) {
  if (!entry.endsWith(".js")) continue;
  const file = join(root, "dist", "esm", entry);
  const text = await readFile(file, "utf8");
  const body = text.startsWith(`${REQUIRE_BANNER}\n`) ? text.slice(REQUIRE_BANNER.length + 1) : undefined;
  if (body === undefined || /\brequire\b/.test(body)) continue;
  await writeFile(file, body);
  const map = JSON.parse(await readFile(`${file}.map`, "utf8"));
  if (typeof map.mappings === "string" && map.mappings.startsWith(";")) map.mappings = map.mappings.slice(1);
  await writeFile(`${file}.map`, JSON.stringify(map));
}

await build({
  ...shared,
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  format: "cjs",
  // all of it is read and compiled at every start: no whitespace or comments (names are kept,
  // so --debug stacks still name the functions)
  minifyWhitespace: true,
  minifySyntax: true,
  // prompts load from node_modules when a prompt is shown (the package is ESM-only)
  external: [...shared.external, "@inquirer/prompts"],
  // import() is not written in the bundle itself (see below): bin/lgauth.js compiles it with
  // vm.Script to use its code cache, and Node 20 runs no import() of such a script
  // (a function declaration, hoisted: a banner would come before "use strict")
  footer: { js: `function ${IMPORT_FN}(s){return require("./esm-import.cjs")(s)}` },
  plugins: [
    ...shared.plugins,
    {
      // import() of an action (other than the start-up ones) or of the supabase-js client
      // loads its ES module from dist/esm instead of bundling it here.
      name: "on-demand-from-esm",
      setup(b) {
        b.onResolve({ filter: /\.js$/ }, (args) => {
          if (args.kind !== "dynamic-import") return undefined;
          const target = join(dirname(args.importer), args.path);
          const action = /^([\w-]+)\.js$/.exec(basename(target));
          if (
            action?.[1] &&
            dirname(target) === join(root, "src", "cli", "actions") &&
            !STARTUP_ACTIONS.has(action[1])
          ) {
            return { path: `./esm/actions/${action[1]}.js`, external: true };
          }
          if (target === join(root, "src", "session", "client.js")) {
            return { path: "./esm/session-client.js", external: true };
          }
          return undefined;
        });
      },
    },
  ],
});

// Each import() of the start-up bundle (actions and the client in dist/esm, @inquirer/prompts, the
// keychain libraries) goes through dist/esm-import.cjs, a module the CommonJS loader compiles
// (relative to dist/ as before): an import() compiled by vm.Script, as bin/lgauth.js compiles
// the bundle, fails on Node 20 without --experimental-vm-modules. The name has import's length,
// so the bundle's columns (and its source map) do not move.
const cliFile = join(root, "dist", "cli.cjs");
{
  const text = await readFile(cliFile, "utf8");
  const rewritten = text.replace(/(?<![\w$.])import\((?=["'])/g, `${IMPORT_FN}(`);
  if (/(?<![\w$.])import\(/.test(rewritten)) {
    throw new Error("dist/cli.cjs has an import() of a computed specifier: scripts/build.mjs cannot redirect it");
  }
  await writeFile(cliFile, rewritten);
  await writeFile(
    join(root, "dist", "esm-import.cjs"),
    '"use strict";\n// import() for dist/cli.cjs (see scripts/build.mjs)\nmodule.exports = (specifier) => import(specifier);\n',
  );
}

// Every command pays for reading and compiling the start-up bundle: keep it small. It grows
// past this when a module it reaches imports something large statically (an SDK, a client):
// load that with import() from an action (src/cli/actions) instead.
const STARTUP_BUDGET = 180_000;
const startupBytes = (await readFile(cliFile)).length;
if (startupBytes > STARTUP_BUDGET) {
  throw new Error(
    `dist/cli.cjs is ${startupBytes} bytes, over its ${STARTUP_BUDGET}-byte budget (see scripts/build.mjs)`,
  );
}

// V8's code cache of the start-up bundle, used by bin/lgauth.js: made by a plain `node` (a cache
// made under other V8 flags is rejected) that runs `lgauth whoami` on an empty config folder,
// so the cache also holds the functions a short command compiles on its way (parsing, the
// context, output, errors). Without it (or when V8 rejects it) the bundle is compiled from
// source, as before: a failure here only costs start-up time.
{
  const scratch = await mkdtemp(join(tmpdir(), "lgauth-code-cache-"));
  try {
    const made = spawnSync(
      process.execPath,
      [
        "-e",
        `const { writeFileSync } = require("node:fs");
const bundle = ${JSON.stringify(cliFile)};
process.argv = [process.argv[0], ${JSON.stringify(join(root, "bin", "lgauth.js"))}, "whoami"];
const script = require(${JSON.stringify(join(root, "bin", "lgauth.js"))}).runBundle(bundle);
process.on("exit", () => writeFileSync(bundle + ".cache", script.createCachedData()));`,
      ],
      {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: scratch, LGAUTH_CONFIG_DIR: join(scratch, "config"), NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 60_000,
      },
    );
    if (!existsSync(`${cliFile}.cache`)) {
      console.warn(`build: no code cache for dist/cli.cjs (${made.error?.message ?? made.stderr.toString().trim()})`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// The local stack's two children (src/stack/*-entry.ts) and the graph and Auth modules the
// LangGraph child serves, prebuilt so the children start on plain node: run through tsx, its
// loader thread resolved and transformed every module (our few and node_modules' hundreds),
// which was about a third of the LangGraph child's start-up. npm packages stay external (one
// copy of each, resolved from node_modules as at run time); our own modules are bundled, with
// dynamic imports kept lazy as split chunks. src/stack/paths.ts falls back to the sources
// under tsx when an input listed in inputs.json is newer than this build.
const children = await build({
  entryPoints: {
    "stack/auth-entry": "src/stack/auth-entry.ts",
    "stack/langgraph-entry": "src/stack/langgraph-entry.ts",
    "server/graph": "src/server/graph.ts",
    "server/auth": "src/server/auth.ts",
    "stack/stack-auth": "src/stack/stack-auth.ts",
    // the standalone local Supabase Auth server (README), started by tests on plain node too
    "local-supabase/main": "src/local-supabase/main.ts",
  },
  outdir: "dist/children",
  bundle: true,
  splitting: true,
  packages: "external",
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
});
// inputs: the sources this build was made from; authPackages: the npm packages the Auth modules
// import statically, which the LangGraph child preloads (see langgraph-options.ts).
function packagesOf(output, seen = new Set()) {
  if (seen.has(output)) return [];
  seen.add(output);
  return children.metafile.outputs[output].imports.flatMap((i) => {
    if (i.kind !== "import-statement") return [];
    if (!i.external) return packagesOf(i.path, seen);
    return i.path.startsWith("node:") ? [] : [i.path];
  });
}
await writeFile(
  new URL("../dist/children/inputs.json", import.meta.url),
  `${JSON.stringify(
    {
      inputs: Object.keys(children.metafile.inputs).sort(),
      authPackages: [
        ...new Set([...packagesOf("dist/children/server/auth.js"), ...packagesOf("dist/children/stack/stack-auth.js")]),
      ].sort(),
    },
    null,
    1,
  )}\n`,
);
