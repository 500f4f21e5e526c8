// Bundles the CLI into dist/ with esbuild. Command actions are loaded with dynamic
// import(), so esbuild's code splitting keeps start-up cost to what a command needs.
import { build } from "esbuild";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));

await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
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
      // The SDK's protocol-v2 and React code imports @langchain/core's message classes at load
      // time; the CLI never runs that code, so the bundle gets a stub that throws if it ever did.
      name: "stub-core-messages",
      setup(b) {
        b.onResolve({ filter: /^@langchain\/core\/messages$/ }, () => ({
          path: fileURLToPath(new URL("./core-messages-stub.mjs", import.meta.url)),
        }));
      },
    },
  ],
  banner: {
    js: "import { createRequire as __lgauthCreateRequire } from 'node:module'; const require = __lgauthCreateRequire(import.meta.url);",
  },
});

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
