import type { Command } from "commander";
import type { ChatOptions } from "../actions/chat.js";
import { lazyAction } from "../command-kit.js";
import { idOrPrefix, nonEmpty } from "../parse.js";

export function registerChat(program: Command): void {
  lazyAction<[string | undefined], ChatOptions>(
    program
      .command("chat")
      .argument("[thread-id]", "continue this thread (a new one otherwise)", idOrPrefix("thread"))
      .description("chat with the agent, answers streamed token by token")
      .option("-m, --message <text>", "send one message, print the answer and exit", nonEmpty("--message"))
      .option("--assistant <id>", "assistant or graph id", "agent"),
    async () => (await import("../actions/chat.js")).chat,
  );
  const assistants = program.command("assistants").description("assistants the server lets you see");
  lazyAction(
    assistants.command("list").description("list assistants"),
    async () => (await import("../actions/assistants.js")).list,
  );
}
