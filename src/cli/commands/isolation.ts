import type { Command } from "commander";
import { lazyAction } from "../command-kit.js";

export function registerIsolation(program: Command): void {
  lazyAction(
    program
      .command("demo")
      .description("scripted two-user isolation demo; exit 0 only when isolation holds (5 on a leak)")
      .option("--ci", "no colour, no spinner, no prompt")
      .option("--keep", "keep the stack running afterwards and print how to continue as alice or bob")
      .option("--email-domain <domain>", "domain of the demo accounts", "example.com")
      .option("--junit <file>", "also write the checks as a JUnit XML report to <file>"),
    async () => (await import("../actions/demo.js")).demo,
  );
  lazyAction(
    program
      .command("audit")
      .description("probe every endpoint for cross-user access between two logged-in profiles (exit 5 on a leak)")
      .requiredOption("--as <profile>", "the profile that attacks")
      .requiredOption("--other <profile>", "the profile whose data is attacked")
      .option("--junit <file>", "also write the checks as a JUnit XML report to <file>"),
    async () => (await import("../actions/audit.js")).audit,
  );
}
