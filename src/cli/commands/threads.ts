import { type Command, Option } from "commander";
import type { HistoryOptions, ListOptions, MetadataOptions, RemoveOptions } from "../actions/threads.js";
import { lazyAction } from "../command-kit.js";
import { idOrPrefix, limit, metadataPair } from "../parse.js";

const load = () => import("../actions/threads.js");
const threadId = (cmd: Command) =>
  cmd.argument("<thread-id>", "a thread id, or its first characters (see `lgauth threads list`)", idOrPrefix("thread"));

export function registerThreads(program: Command): void {
  const threads = program.command("threads").description("your threads on the LangGraph server");
  lazyAction<[], ListOptions>(
    threads
      .command("list")
      .description("list your threads, newest first")
      .option("--limit <n>", "how many (1-1000)", limit, 20)
      .addOption(
        new Option("--status <status>", "idle, busy, interrupted or error").choices([
          "idle",
          "busy",
          "interrupted",
          "error",
        ]),
      )
      .option("--metadata <k=v>", "filter by metadata (repeatable)", metadataPair),
    async () => (await load()).list,
  );
  lazyAction<[], MetadataOptions>(
    threads
      .command("create")
      .description("create a thread")
      .option("--metadata <k=v>", "metadata (repeatable)", metadataPair),
    async () => (await load()).create,
  );
  lazyAction<[string]>(
    threadId(threads.command("show")).description("print a thread's conversation"),
    async () => (await load()).show,
  );
  lazyAction<[string], RemoveOptions>(
    threadId(threads.command("delete"))
      .description("delete a thread (asks first on a terminal)")
      .option("-y, --yes", "do not ask for confirmation"),
    async () => (await load()).remove,
  );
  lazyAction<[string], HistoryOptions>(
    threadId(threads.command("history"))
      .description("list a thread's checkpoints")
      .option("--limit <n>", "how many (1-1000)", limit, 20),
    async () => (await load()).history,
  );
}
