import type { Command } from "commander";
import type { AuditOptions } from "../actions/audit.js";
import type { DemoOptions } from "../actions/demo.js";
import { lazyAction } from "../command-kit.js";
import { domain, profileName } from "../parse.js";

export function registerIsolation(program: Command): void {
  lazyAction<[], DemoOptions>(
    program
      .command("demo")
      .description("scripted two-user isolation demo; exit 0 only when isolation holds (5 on a leak)")
      .option("--ci", "no colour, no spinner, no prompt")
      .option("--keep", "keep the stack running afterwards and print how to continue as alice or bob")
      .option("--email-domain <domain>", "domain of the demo accounts", domain("--email-domain"), "example.com")
      .option("--junit <file>", "also write the checks as a JUnit XML report to <file>"),
    async () => (await import("../actions/demo.js")).demo,
  );
  lazyAction<[], AuditOptions>(
    program
      .command("audit")
      .description("probe every endpoint for cross-user access between two logged-in profiles (exit 5 on a leak)")
      .requiredOption("--as <profile>", "the profile that attacks", profileName)
      .requiredOption("--other <profile>", "the profile whose data is attacked", profileName)
      .option("--junit <file>", "also write the checks as a JUnit XML report to <file>"),
    async () => (await import("../actions/audit.js")).audit,
  );
}
