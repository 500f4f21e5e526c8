import type { Command } from "commander";
import { lazyAction } from "../command-kit.js";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const load = () => import("../actions/threads.js");

export function registerThreads(program: Command): void {
  const threads = program.command("threads").description("your threads on the LangGraph server");
  lazyAction(
    threads
      .command("list")
      .description("list your threads, newest first")
      .option("--limit <n>", "how many", "20")
      .option("--status <status>", "idle, busy, interrupted or error")
      .option("--metadata <k=v>", "filter by metadata (repeatable)", collect),
    async () => (await load()).list,
  );
  lazyAction(
    threads
      .command("create")
      .description("create a thread")
      .option("--metadata <k=v>", "metadata (repeatable)", collect),
    async () => (await load()).create,
  );
  lazyAction(
    threads.command("show").argument("<thread-id>").description("print a thread's conversation"),
    async () => (await load()).show,
  );
  lazyAction(
    threads
      .command("delete")
      .argument("<thread-id>")
      .description("delete a thread (asks first on a terminal)")
      .option("-y, --yes", "do not ask for confirmation"),
    async () => (await load()).remove,
  );
  lazyAction(
    threads
      .command("history")
      .argument("<thread-id>")
      .description("list a thread's checkpoints")
      .option("--limit <n>", "how many", "20"),
    async () => (await load()).history,
  );
}
