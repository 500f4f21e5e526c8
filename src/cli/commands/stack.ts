import { type Command, Option } from "commander";
import type { DevOptions } from "../actions/dev.js";
import { lazyAction } from "../command-kit.js";
import { port } from "../parse.js";

export function registerStack(program: Command): void {
  lazyAction<[], DevOptions>(
    program
      .command("dev")
      .description("start the local stack (Supabase Auth + LangGraph server) in the foreground")
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
      ),
    async () => (await import("../actions/dev.js")).dev,
  );
}
