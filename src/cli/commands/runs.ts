import type { Command } from "commander";
import type { CreateOptions } from "../actions/runs.js";
import { lazyAction } from "../command-kit.js";
import { nonEmpty, uuid } from "../parse.js";

const load = () => import("../actions/runs.js");

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("runs on one of your threads");
  lazyAction<[string]>(
    runs.command("list").argument("<thread-id>", "a thread id", uuid("thread")).description("list a thread's runs"),
    async () => (await load()).list,
  );
  lazyAction<[string], CreateOptions>(
    runs
      .command("create")
      .argument("<thread-id>", "a thread id", uuid("thread"))
      .description("start a run with a message (streams the answer unless --wait)")
      .requiredOption("-m, --message <text>", "the user message", nonEmpty("--message"))
      .option("--wait", "wait for the run and print its result")
      .option("--assistant <id>", "assistant or graph id", "agent"),
    async () => (await load()).create,
  );
  lazyAction<[string, string]>(
    runs
      .command("cancel")
      .argument("<thread-id>", "a thread id", uuid("thread"))
      .argument("<run-id>", "a run id", uuid("run"))
      .description("cancel a run"),
    async () => (await load()).cancel,
  );
}
