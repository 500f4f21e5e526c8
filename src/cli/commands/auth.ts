import { type Command, Option } from "commander";
import { lazyAction } from "../command-kit.js";

const hiddenPassword = () => new Option("--password <password>", "refused: use --password-stdin").hideHelp();

export function registerAuth(program: Command): void {
  lazyAction(
    program
      .command("signup")
      .description("create an account at Supabase Auth (logs in when no email confirmation is needed)")
      .option("--email <email>", "account email (prompted on a terminal)")
      .option("--password-stdin", "read the password from the first line of stdin")
      .option("--insecure-storage", "store tokens in a 0600 file when no keychain answers")
      .addOption(hiddenPassword()),
    async () => (await import("../actions/signup.js")).signup,
  );
  lazyAction(
    program
      .command("login")
      .description(
        "log in (email and password, a browser login, or an emailed code); the refresh token goes to the OS keychain",
      )
      .option("--email <email>", "account email (prompted on a terminal)")
      .option("--password-stdin", "read the password from the first line of stdin")
      .option("--with-token", "read an access token from stdin instead (no refresh; for CI)")
      .option(
        "--provider <name>",
        "log in in the browser with an OAuth provider enabled in Supabase Auth (github, google, local, …)",
      )
      .option("--no-browser", "with --provider: print the login URL instead of opening a browser")
      .option("--scopes <scopes>", "with --provider: extra scopes to ask the provider for (space-separated)")
      .addOption(
        new Option("--timeout <seconds>", "with --provider: seconds to wait for the browser (default 300)").hideHelp(),
      )
      .option("--otp", "log in with a one-time code sent by email (no browser; for SSH sessions and containers)")
      .option("--code-stdin", "with --otp: read the code from the first line of stdin")
      .option("--insecure-storage", "store tokens in a 0600 file when no keychain answers")
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
          "",
          "Browser logins return to http://127.0.0.1:<random port>/callback: add http://127.0.0.1:*/** to",
          "the Redirect URLs of your Supabase project (Authentication > URL Configuration).",
        ].join("\n"),
      ),
    async () => (await import("../actions/login.js")).login,
  );
  lazyAction(
    program
      .command("logout")
      .description("revoke the session at Supabase Auth, then remove stored tokens")
      .option("--scope <scope>", "local (this session, default) or global (every device)")
      .option("--all-devices", "same as --scope global"),
    async () => (await import("../actions/logout.js")).logout,
  );
  lazyAction(
    program.command("whoami").description("user id and email of the profile, from stored state (no network)"),
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
