import { type Command, Option } from "commander";
import type { LoginOptions } from "../actions/login.js";
import type { LogoutOptions } from "../actions/logout.js";
import type { SignupOptions } from "../actions/signup.js";
import { hiddenPassword, insecureStorage, lazyAction, requireWith } from "../command-kit.js";
import { email, nonEmpty, providerName, userDataPair, wholeNumber } from "../parse.js";

const emailOption = () => new Option("--email <email>", "account email (prompted on a terminal)").argParser(email);
const force = () => new Option("--force", "replace the login of another user on this profile without asking");
/** The login methods: one per run. */
const METHODS = ["provider", "otp", "withToken", "passwordStdin"] as const;
const method = (flags: string, description: string, self: (typeof METHODS)[number]) =>
  new Option(flags, description).conflicts(METHODS.filter((m) => m !== self));

export function registerAuth(program: Command): void {
  const signupOwn = ["passwordStdin", "name", "data"];
  lazyAction<[], SignupOptions>(
    program
      .command("signup")
      .description(
        "create an account at Supabase Auth (logs in, after the emailed code when the project confirms addresses)",
      )
      .addOption(emailOption())
      .option("--password-stdin", "read the password from the first line of stdin")
      .addOption(
        new Option("--name <name>", "your display name (user_metadata.display_name)").argParser(nonEmpty("--name")),
      )
      .addOption(new Option("--data <key=value>", "another user_metadata key (repeatable)").argParser(userDataPair))
      .addOption(
        new Option(
          "--confirm",
          "complete a sign-up that waits for confirmation with the emailed code, and log in",
        ).conflicts(["resend", ...signupOwn]),
      )
      .addOption(
        new Option("--resend", "send the confirmation email again (the new code replaces the old)").conflicts([
          "confirm",
          "codeStdin",
          "insecureStorage",
          ...signupOwn,
        ]),
      )
      .option(
        "--code-stdin",
        "read the emailed confirmation code from stdin (after the password with --password-stdin), then an authenticator code if asked",
      )
      .addOption(insecureStorage())
      .addOption(force())
      .addOption(hiddenPassword())
      .addHelpText(
        "after",
        [
          "",
          "Examples:",
          '  lgauth signup --email ada@example.com --name "Ada Lovelace" --data team=research',
          "  lgauth signup --confirm --email ada@example.com      # the code from the confirmation email",
          "  lgauth signup --resend --email ada@example.com       # lost the email? a new code and link",
          "",
          "When the project confirms addresses, a terminal is asked for the code from the email right away;",
          "scripts pass it with --code-stdin (the line after the password) or finish later with --confirm.",
        ].join("\n"),
      ),
    async () => (await import("../actions/signup.js")).signup,
  );
  const login = program
    .command("login")
    .description(
      "log in (email and password, a browser login, or an emailed code); the refresh token goes to the OS keychain",
    )
    .addOption(emailOption())
    .addOption(method("--password-stdin", "read the password from the first line of stdin", "passwordStdin"))
    .addOption(method("--with-token", "read an access token from stdin instead (no refresh; for CI)", "withToken"))
    .addOption(
      method(
        "--provider <name>",
        "log in in the browser with an OAuth provider enabled in Supabase Auth (github, google, local, …)",
        "provider",
      ).argParser(providerName),
    )
    .option("--no-browser", "with --provider: print the login URL instead of opening a browser")
    .option("--scopes <scopes>", "with --provider: extra scopes to ask the provider for (space-separated)")
    .addOption(
      new Option("--timeout <seconds>", "with --provider: seconds to wait for the browser (default 300)")
        .hideHelp()
        .argParser(wholeNumber("--timeout", 1, 3600, "--timeout must be whole seconds from 1 to 3600")),
    )
    .addOption(
      method(
        "--otp",
        "log in to an existing account with a one-time code sent by email (no browser; for SSH sessions and containers)",
        "otp",
      ),
    )
    .addOption(
      new Option(
        "--code-stdin",
        "read codes from stdin, one per line: the emailed code (--otp), then the authenticator code (MFA); after the password with --password-stdin",
      ).conflicts("withToken"),
    )
    .addOption(insecureStorage())
    .addOption(force())
    .addOption(hiddenPassword())
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  lgauth login --email ada@example.com               # password prompt",
        "  printf '%s\\n' \"$PW\" | lgauth login --email ada@example.com --password-stdin",
        "  lgauth login --provider github                     # opens the browser (PKCE, loopback redirect)",
        "  lgauth login --provider local --no-browser         # the local stack's OpenID provider; prints the URL",
        "  lgauth login --otp --email ada@example.com          # type the code from the email",
        '  printf \'%s\\n\' "$PW" "$TOTP" | lgauth login --email ada@example.com --password-stdin --code-stdin',
        "",
        "An account with a verified second factor (lgauth mfa enroll) is asked for the code from its",
        "authenticator app after the first factor (three tries); scripts pass it with --code-stdin.",
        "",
        "Browser logins return to http://127.0.0.1:<random port>/callback: add http://127.0.0.1:*/** to",
        "the Redirect URLs of your Supabase project (Authentication > URL Configuration).",
      ].join("\n"),
    );
  requireWith(login, { browser: "provider", scopes: "provider" });
  lazyAction<[], LoginOptions>(login, async () => (await import("../actions/login.js")).login);
  lazyAction<[], LogoutOptions>(
    program
      .command("logout")
      .description("revoke the session at Supabase Auth, then remove stored tokens")
      .addOption(
        new Option("--scope <scope>", "local (this session, default) or global (every device)")
          .choices(["local", "global"])
          .default("local"),
      )
      .option("--all-devices", "same as --scope global")
      .option(
        "--revoke",
        "for a profile logged in with --with-token: also end that token's session at Supabase Auth (by default it is only forgotten here)",
      ),
    async () => (await import("../actions/logout.js")).logout,
  );
  lazyAction(
    program
      .command("whoami")
      .description("user id, email, display name and session level of the profile, from stored state (no network)"),
    async () => (await import("../actions/whoami.js")).whoami,
  );
  lazyAction(
    program.command("status").description("every profile: user, token expiry, token storage, servers reachable"),
    async () => (await import("../actions/status.js")).status,
  );
  lazyAction(
    program.command("token").description("print a valid access token (refreshing first if needed), for scripts"),
    async () => (await import("../actions/token.js")).token,
  );
}
