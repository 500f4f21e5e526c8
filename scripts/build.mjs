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
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

await rm(join(root, "dist"), { recursive: true, force: true });

const REQUIRE_BANNER =
  "import { createRequire as __lgauthCreateRequire } from 'node:module'; const require = __lgauthCreateRequire(import.meta.url);";

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

// Every command pays for reading and compiling the start-up bundle: keep it small. It grows
// past this when a module it reaches imports something large statically (an SDK, a client):
// load that with import() from an action (src/cli/actions) instead.
const STARTUP_BUDGET = 180_000;
const startupBytes = (await readFile(join(root, "dist", "cli.cjs"))).length;
if (startupBytes > STARTUP_BUDGET) {
  throw new Error(
    `dist/cli.cjs is ${startupBytes} bytes, over its ${STARTUP_BUDGET}-byte budget (see scripts/build.mjs)`,
  );
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
