import { type Command, Option } from "commander";
import type { AccountUpdateOptions } from "../actions/account.js";
import { lazyAction } from "../command-kit.js";
import { email, nonEmpty, unsetKey, userDataPair } from "../parse.js";

export function registerAccount(program: Command): void {
  const account = program
    .command("account")
    .description("your account at Supabase Auth: email, display name, metadata, sign-in methods, MFA")
    .addHelpText(
      "after",
      [
        "",
        "With --json it prints the user object as Supabase Auth returns it (GET /auth/v1/user) plus",
        '"aal", the level of this session. An email change waiting for its code shows as new_email.',
      ].join("\n"),
    );
  lazyAction(account, async () => (await import("../actions/account.js")).account);
  lazyAction<[], AccountUpdateOptions>(
    account
      .command("update")
      .description("change your display name, metadata or email address")
      .addOption(new Option("--name <name>", "display name (user_metadata.display_name)").argParser(nonEmpty("--name")))
      .addOption(new Option("--data <key=value>", "set a user_metadata key (repeatable)").argParser(userDataPair))
      .addOption(new Option("--unset <key>", "remove a user_metadata key (repeatable)").argParser(unsetKey))
      .addOption(
        new Option("--email <email>", "a new email address, confirmed with the code(s) emailed").argParser(email),
      )
      .option(
        "--code-stdin",
        "read the emailed codes from stdin, one per line: the new address's, then the current address's if asked",
      )
      .addHelpText(
        "after",
        [
          "",
          "Examples:",
          '  lgauth account update --name "Ada Lovelace" --data team=research --unset nickname',
          "  lgauth account update --email ada@new.example.com   # asks for the code(s) from the email(s)",
          "",
          "An email change follows the project's settings: the new address gets a code, and with secure",
          "email change (Supabase's default) the current address gets one too; the address changes once",
          "each asked for is entered. Until then `lgauth account` shows the pending address.",
        ].join("\n"),
      ),
    async () => (await import("../actions/account.js")).accountUpdate,
  );
}
