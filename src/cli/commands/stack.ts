import { type Command, Option } from "commander";
import type { DevOptions } from "../actions/dev.js";
import type { DevMailOptions } from "../actions/dev-mail.js";
import type { DevServiceOptions } from "../actions/dev-service.js";
import { type Action, lazyAction } from "../command-kit.js";
import { port, wholeNumber } from "../parse.js";

export function registerStack(program: Command): void {
  const dev = program
    .command("dev")
    .description("start the local stack (Supabase Auth + LangGraph server), in the foreground or with --detach")
    .option("--data-dir <dir>", "where the local stack keeps its data (default ~/.local/share/lgauth/stack)")
    .option("--auth-port <port>", "local Supabase Auth port (0 = free port)", port("--auth-port"), 54321)
    .option("--langgraph-port <port>", "LangGraph server port (0 = free port)", port("--langgraph-port"), 2024)
    .addOption(new Option("--only <part>", "start only one part: auth").choices(["auth"]))
    .option("--no-oidc", 'do not start the local OpenID provider (OAuth provider "local")')
    .option(
      "--config <file>",
      "a Supabase CLI config.toml whose [auth] section configures the auth server (default ./supabase/config.toml if present)",
    )
    .addOption(
      new Option(
        "--mfa <mode>",
        "the LangGraph server's AUTH_MFA: enrolled refuses aal1 tokens of users with a second factor, required every aal1 token (default: $AUTH_MFA, else enrolled)",
      ).choices(["off", "enrolled", "required"]),
    )
    .option(
      "--reset-data",
      "start with no conversations: the LangGraph snapshots are moved aside (*.reset-<time>), accounts are kept",
    )
    .option("--detach", "start in the background and return once it is ready (log: <data dir>/dev.log)");
  lazyAction<[], DevOptions>(dev, async () => (await import("../actions/dev.js")).dev);

  // the subcommands take --data-dir from `dev` (commander parses it before or after them)
  const withDataDir =
    <O extends object>(action: Action<[], O & { dataDir?: string }>): Action<[], O> =>
    (ctx, args, opts) =>
      action(ctx, args, { ...opts, dataDir: (dev.opts() as { dataDir?: string }).dataDir });

  lazyAction<[], DevServiceOptions>(
    dev
      .command("status")
      .description("is the local stack running: URLs, pid, uptime, data directory, whether it answers"),
    async () => withDataDir((await import("../actions/dev-service.js")).devStatus),
  );
  lazyAction<[], DevServiceOptions>(
    dev.command("stop").description("stop the local stack (started with --detach, or in another terminal)"),
    async () => withDataDir((await import("../actions/dev-service.js")).devStop),
  );
  lazyAction<[], DevServiceOptions>(
    dev
      .command("logs")
      .description("print the log of a stack started with --detach")
      .option("-f, --follow", "keep printing new lines until the stack stops"),
    async () => withDataDir((await import("../actions/dev-service.js")).devLogs),
  );
  lazyAction<[], DevMailOptions>(
    dev
      .command("mail")
      .description("the mail the local stack kept instead of sending it (codes and links), newest first")
      .option("--email <email>", "only mail to this address")
      .option("--limit <n>", "how many to show (default 20)", wholeNumber("--limit", 1, 1000)),
    async () => withDataDir((await import("../actions/dev-mail.js")).devMail),
  );
}
