import type { World } from "./context.js";
import { systemIO } from "./io.js";
import { reportFailure, runLgauth } from "./run.js";

const world: World = { io: systemIO(), env: process.env };

process.on("unhandledRejection", (err) => {
  process.exit(reportFailure(world, err, process.argv.includes("--debug")));
});

// No top-level await: this module is built as CommonJS (scripts/build.mjs).
void runLgauth(process.argv.slice(2), world)
  .catch((err: unknown) => ({
    exitCode: reportFailure(world, err, process.argv.includes("--debug")),
    failed: true,
  }))
  .then((result) => {
    // A failure exits at once (a hung keychain call must not keep the process alive); a
    // command that returned lets the event loop drain.
    if (result.failed) process.exit(result.exitCode);
    process.exitCode = result.exitCode;
  });
