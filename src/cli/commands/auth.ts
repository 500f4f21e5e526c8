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
      .description("log in with email and password; the refresh token goes to the OS keychain")
      .option("--email <email>", "account email (prompted on a terminal)")
      .option("--password-stdin", "read the password from the first line of stdin")
      .option("--with-token", "read an access token from stdin instead (no refresh; for CI)")
      .option("--insecure-storage", "store tokens in a 0600 file when no keychain answers")
      .addOption(hiddenPassword()),
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
