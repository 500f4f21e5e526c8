import type { Command } from "commander";
import { notYet } from "../command-kit.js";

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("runs on one of your threads");
  notYet(runs.command("list").argument("<thread-id>").description("list a thread's runs"), "runs list");
  notYet(
    runs
      .command("create")
      .argument("<thread-id>")
      .description("start a run with a message (streams the answer unless --wait)")
      .requiredOption("-m, --message <text>", "the user message")
      .option("--wait", "wait for the run and print its result"),
    "runs create",
  );
  notYet(
    runs.command("cancel").argument("<thread-id>").argument("<run-id>").description("cancel a run"),
    "runs cancel",
  );
}
