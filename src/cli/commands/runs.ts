import type { Command } from "commander";
import { lazyAction } from "../command-kit.js";

const load = () => import("../actions/runs.js");

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("runs on one of your threads");
  lazyAction(
    runs.command("list").argument("<thread-id>").description("list a thread's runs"),
    async () => (await load()).list,
  );
  lazyAction(
    runs
      .command("create")
      .argument("<thread-id>")
      .description("start a run with a message (streams the answer unless --wait)")
      .requiredOption("-m, --message <text>", "the user message")
      .option("--wait", "wait for the run and print its result")
      .option("--assistant <id>", "assistant or graph id", "agent"),
    async () => (await load()).create,
  );
  lazyAction(
    runs.command("cancel").argument("<thread-id>").argument("<run-id>").description("cancel a run"),
    async () => (await load()).cancel,
  );
}
