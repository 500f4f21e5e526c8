import { type Command, Option } from "commander";
import type { AccountUpdateOptions } from "../actions/account.js";
import type { PasswordChangeOptions, PasswordResetOptions } from "../actions/password.js";
import { hiddenPassword, insecureStorage, lazyAction } from "../command-kit.js";
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
        "read the codes from stdin, one per line: an authenticator code first when this aal1 session must step up, then the new address's, then the current address's if asked",
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

  const password = program
    .command("password")
    .description("change your password, or reset a forgotten one with an emailed code");
  lazyAction<[], PasswordChangeOptions>(
    password
      .command("change")
      .description("set a new password for the logged-in account (its other sessions are signed out)")
      .option("--password-stdin", "read the new password from stdin (one line) instead of asking twice")
      .option(
        "--code-stdin",
        "read the reauthentication code the project emailed from stdin: the line before the password",
      )
      .addOption(hiddenPassword())
      .addHelpText(
        "after",
        [
          "",
          "A project with secure password change (Supabase: [auth.email] secure_password_change) wants a",
          "code it emails first: on a terminal lgauth has it sent and asks for it; a script without",
          "--code-stdin gets it sent and exits 4, then passes it on the first line of stdin:",
          '  printf \'%s\\n%s\\n\' "$CODE" "$NEW_PASSWORD" | lgauth password change --code-stdin --password-stdin',
          "An aal1 session of an account with a second factor is asked for its authenticator code on a",
          "terminal; a script steps it up first with `lgauth mfa verify <factor-id> --code-stdin`.",
        ].join("\n"),
      ),
    async () => (await import("../actions/password.js")).passwordChange,
  );
  lazyAction<[], PasswordResetOptions>(
    password
      .command("reset")
      .description("reset a forgotten password with the code Supabase Auth emails, and log in")
      .addOption(
        new Option("--email <email>", "the account (default: the profile's; prompted on a terminal)").argParser(email),
      )
      .option(
        "--code-stdin",
        "do not send an email: read its code from the first line of stdin (an authenticator code, if asked, after the password)",
      )
      .option("--password-stdin", "read the new password from stdin (the line after the code)")
      .addOption(insecureStorage())
      .addOption(hiddenPassword())
      .addHelpText(
        "after",
        [
          "",
          "On a terminal it sends the email, asks for its code and the new password (twice), and logs in.",
          "In scripts, run it twice: first without --code-stdin (only sends the email), then with the code:",
          "  lgauth password reset --email ada@example.com",
          '  printf \'%s\\n%s\\n\' "$CODE" "$NEW_PASSWORD" | lgauth password reset --email ada@example.com --code-stdin --password-stdin',
        ].join("\n"),
      ),
    async () => (await import("../actions/password.js")).passwordReset,
  );
}
