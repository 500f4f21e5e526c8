import type { Command } from "commander";
import type { CreateOptions, ListOptions } from "../actions/runs.js";
import { lazyAction } from "../command-kit.js";
import { idOrPrefix, limit, nonEmpty } from "../parse.js";

const load = () => import("../actions/runs.js");
const THREAD = "a thread id, or its first characters (see `lgauth threads list`)";

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("runs on one of your threads");
  lazyAction<[string], ListOptions>(
    runs
      .command("list")
      .argument("<thread-id>", THREAD, idOrPrefix("thread"))
      .description("list a thread's runs, newest first")
      .option("--limit <n>", "how many (1-1000)", limit, 20),
    async () => (await load()).list,
  );
  lazyAction<[string], CreateOptions>(
    runs
      .command("create")
      .argument("<thread-id>", THREAD, idOrPrefix("thread"))
      .description("start a run with a message (streams the answer unless --wait)")
      .requiredOption("-m, --message <text>", "the user message", nonEmpty("--message"))
      .option("--wait", "wait for the run and print its result")
      .option("--assistant <id>", "assistant or graph id", "agent"),
    async () => (await load()).create,
  );
  lazyAction<[string, string]>(
    runs
      .command("cancel")
      .argument("<thread-id>", THREAD, idOrPrefix("thread"))
      .argument("<run-id>", "a run id, or its first characters (see `lgauth runs list`)", idOrPrefix("run"))
      .description("cancel a run that is still going (says so when it had already finished)"),
    async () => (await load()).cancel,
  );
}
