import { type Command, CommanderError } from "commander";
import { redact } from "../util/redact.js";
import type { World } from "./context.js";
import { ExitCode, type FailureContext, formatError } from "./errors.js";
import { buildProgram } from "./program.js";

export interface RunResult {
  exitCode: number;
  /** True when the run ended with an error (main.ts then exits at once). */
  failed: boolean;
}

/**
 * One run of lgauth with `argv` (without node and the script) in `world`: parses, runs the
 * action, and turns every failure into one line on the world's stderr (the stack too with
 * --debug). Bad usage, commander's or ours, is exit 2 through this one path. main.ts runs it
 * on the real terminal; tests run it in process with testIO().
 */
export async function runLgauth(argv: string[], world: World): Promise<RunResult> {
  const state = { world, exitCode: 0 };
  const program = buildProgram(world, state, argv);
  if (argv.length === 0) {
    program.outputHelp();
    return { exitCode: ExitCode.ok, failed: false };
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return { exitCode: state.exitCode, failed: false };
  } catch (err) {
    if (
      err instanceof CommanderError &&
      (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help")
    ) {
      return { exitCode: ExitCode.ok, failed: true };
    }
    const where = commandOf(program, argv);
    return { exitCode: reportFailure(world, err, argv.includes("--debug"), where), failed: true };
  }
}

/**
 * The command `argv` names, for hints: its path as typed ("lgauth threads show", whose help a
 * usage error points at) and the long flags it accepts (a hint names only those). The deepest
 * subcommand reached, skipping options (and the values of those that take one).
 */
export function commandOf(program: Command, argv: string[]): FailureContext {
  const names = ["lgauth"];
  let cmd = program;
  const takesValue = (flag: string) =>
    [...cmd.options, ...program.options].some(
      (o) => (o.long === flag || o.short === flag) && (o.required || o.optional),
    );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") break;
    if (arg.startsWith("-")) {
      if (!arg.includes("=") && takesValue(arg)) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(sub.name());
    cmd = sub;
  }
  const flags = [...cmd.options, ...program.options].flatMap((o) => (o.long ? [o.long] : []));
  return { help: names.join(" "), flags: flags.join(" ") };
}

/**
 * Prints the one line for `err` (and its stack with --debug) on stderr; returns the exit code.
 * `where` is the command that failed (default: lgauth itself, flags unknown).
 */
export function reportFailure(world: World, err: unknown, debug: boolean, where: FailureContext = {}): number {
  const { line, exitCode } = formatError(err, where);
  world.io.note(redact(line));
  if (debug && !(err instanceof CommanderError) && err instanceof Error && err.stack) {
    world.io.note(redact(err.stack));
  }
  return exitCode;
}
