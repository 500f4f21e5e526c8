import { CommanderError } from "commander";
import { outcome } from "./command-kit.js";
import { ExitCode, formatError, oneLine } from "./errors.js";
import { buildProgram } from "./program.js";
import { redact } from "./redact.js";

const debug = process.argv.includes("--debug");

function fail(err: unknown): never {
  const { line, exitCode } = formatError(err);
  process.stderr.write(`${redact(line)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${redact(err.stack)}\n`);
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  // commander's own messages ("error: unknown command 'x'") are turned into our one line.
  program.configureOutput({ writeErr: () => {}, outputError: () => {} });
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.configureOutput({ writeErr: () => {}, outputError: () => {} });
    for (const sub of cmd.commands) {
      sub.exitOverride();
      sub.configureOutput({ writeErr: () => {}, outputError: () => {} });
    }
  }
  const argv = process.argv.slice(2);
  if (argv.length === 0) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        process.exit(ExitCode.ok);
      }
      const message = oneLine(err.message.replace(/^error:\s*/i, ""));
      process.stderr.write(`lgauth: ${message} (see \`lgauth --help\`)\n`);
      process.exit(ExitCode.usage);
    }
    fail(err);
  }
  process.exitCode = outcome.exitCode;
}

process.on("unhandledRejection", fail);
await main().catch(fail);
