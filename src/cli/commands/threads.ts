import type { Command } from "commander";
import { notYet } from "../command-kit.js";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerThreads(program: Command): void {
  const threads = program.command("threads").description("your threads on the LangGraph server");
  notYet(
    threads
      .command("list")
      .description("list your threads")
      .option("--limit <n>", "how many", "20")
      .option("--status <status>", "idle, busy, interrupted or error")
      .option("--metadata <k=v>", "filter by metadata (repeatable)", collect),
    "threads list",
  );
  notYet(
    threads
      .command("create")
      .description("create a thread")
      .option("--metadata <k=v>", "metadata (repeatable)", collect),
    "threads create",
  );
  notYet(threads.command("show").argument("<thread-id>").description("print a thread's conversation"), "threads show");
  notYet(
    threads
      .command("delete")
      .argument("<thread-id>")
      .description("delete a thread")
      .option("-y, --yes", "do not ask for confirmation"),
    "threads delete",
  );
  notYet(
    threads.command("history").argument("<thread-id>").description("list a thread's checkpoints"),
    "threads history",
  );
}
