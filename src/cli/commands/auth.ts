import type { Command } from "commander";
import { lazyAction, notYet } from "../command-kit.js";

export function registerAuth(program: Command): void {
  notYet(
    program
      .command("signup")
      .description("create an account at Supabase Auth (logs in when no email confirmation is needed)")
      .option("--email <email>", "account email (prompted on a terminal)")
      .option("--password-stdin", "read the password from the first line of stdin"),
    "signup",
  );
  notYet(
    program
      .command("login")
      .description("log in with email and password; the refresh token goes to the OS keychain")
      .option("--email <email>", "account email (prompted on a terminal)")
      .option("--password-stdin", "read the password from the first line of stdin")
      .option("--insecure-storage", "store tokens in a 0600 file when no keychain answers"),
    "login",
  );
  notYet(
    program
      .command("logout")
      .description("revoke the session at Supabase Auth, then remove stored tokens")
      .option("--scope <scope>", "local (this session) or global (every device)", "local")
      .option("--all-devices", "same as --scope global"),
    "logout",
  );
  lazyAction(
    program.command("whoami").description("user id and email of the profile, from stored state (no network)"),
    async () => (await import("../actions/whoami.js")).whoami,
  );
  notYet(
    program.command("status").description("every profile: user, token expiry, token storage, servers reachable"),
    "status",
  );
  notYet(
    program.command("token").description("print a valid access token (refreshing first if needed), for scripts"),
    "token",
  );
}
