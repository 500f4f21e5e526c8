import type { Command } from "commander";
import { notYet } from "../command-kit.js";

export function registerChat(program: Command): void {
  notYet(
    program
      .command("chat")
      .argument("[thread-id]", "continue this thread (a new one otherwise)")
      .description("chat with the agent, answers streamed token by token")
      .option("-m, --message <text>", "send one message, print the answer and exit"),
    "chat",
  );
  const assistants = program.command("assistants").description("assistants the server lets you see");
  notYet(assistants.command("list").description("list assistants"), "assistants list");
}
