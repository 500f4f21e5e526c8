import { type Command, Option } from "commander";
import { type Context, type GlobalOptions, type World, makeContext } from "./context.js";
import { UsageError } from "./errors.js";
import { refusedPassword } from "./parse.js";

/** --password, hidden: refused, since a password in argv is seen by every process on the machine. */
export const hiddenPassword = () =>
  new Option("--password <password>", "refused: use --password-stdin").hideHelp().argParser(refusedPassword);

/** --insecure-storage, for the commands that store a session. */
export const insecureStorage = () =>
  new Option("--insecure-storage", "store tokens in a 0600 file when no keychain answers");

/** A command's implementation: returns its exit code (0 when it returns nothing). */
export type Action<A extends unknown[] = string[], O = Record<string, unknown>> = (
  ctx: Context,
  args: A,
  opts: O,
) => Promise<number | undefined>;

/** One run of the program: the world it runs in and the exit code its action chose. */
export interface RunState {
  world: World;
  exitCode: number;
}

const runs = new WeakMap<Command, RunState>();

/** Ties a program (the root command) to the run it serves; see program.ts. */
export function bindRun(program: Command, state: RunState): void {
  runs.set(program, state);
}

function runOf(command: Command): RunState {
  let root = command;
  while (root.parent) root = root.parent;
  const state = runs.get(root);
  if (!state) throw new Error("lgauth: command run outside buildProgram()");
  return state;
}

/**
 * Wires a commander command to an action loaded on demand, so `lgauth --version` never pays
 * for the supabase or LangGraph clients. The action gets a Context built from the global
 * options and the run's World.
 */
export function lazyAction<A extends unknown[] = string[], O = Record<string, unknown>>(
  cmd: Command,
  load: () => Promise<Action<A, O>>,
): Command {
  return cmd.action(async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const opts = received[received.length - 2] as O;
    const args = received.slice(0, -2) as A;
    const run = runOf(command);
    const ctx = makeContext(command.optsWithGlobals<GlobalOptions>(), run.world);
    const action = await load();
    run.exitCode = (await action(ctx, args, opts)) ?? 0;
  });
}

/**
 * Options that only mean something beside another one (`--no-browser` goes with `--provider`):
 * checked after parsing, before the action, as a usage error. `needs` maps an option's
 * attribute name to the attribute it needs.
 */
export function requireWith(cmd: Command, needs: Record<string, string>): Command {
  const flag = (name: string) => cmd.options.find((o) => o.attributeName() === name)?.long ?? name;
  return cmd.hook("preAction", (_hooked, actionCommand) => {
    for (const [option, needed] of Object.entries(needs)) {
      if (actionCommand.getOptionValueSource(option) === "cli" && !actionCommand.getOptionValue(needed)) {
        throw new UsageError(`${flag(option)} goes with ${flag(needed)}`);
      }
    }
  });
}
