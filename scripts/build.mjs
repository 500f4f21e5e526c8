// Bundles the CLI into dist/ with esbuild. Command actions are loaded with dynamic
// import(), so esbuild's code splitting keeps start-up cost to what a command needs.
import { build } from "esbuild";
import { readFile, rm } from "node:fs/promises";
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
