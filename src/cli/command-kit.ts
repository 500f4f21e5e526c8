import type { Command } from "commander";
import { makeContext, type Context, type GlobalOptions } from "./context.js";
import { NotYetAvailableError } from "./errors.js";

/** A command's implementation: returns its exit code (0 when it returns nothing). */
export type Action<A extends unknown[] = string[], O = Record<string, unknown>> = (
  ctx: Context,
  args: A,
  opts: O,
) => Promise<number | undefined>;

/** Exit code chosen by the last action; main.ts exits with it. */
export const outcome = { exitCode: 0 };

/**
 * Wires a commander command to an action loaded on demand, so `lgauth --version` never pays
 * for the supabase or LangGraph clients.
 */
export function lazyAction<A extends unknown[] = string[], O = Record<string, unknown>>(
  cmd: Command,
  load: () => Promise<Action<A, O>>,
): Command {
  return cmd.action(async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const opts = received[received.length - 2] as O;
    const args = received.slice(0, -2) as A;
    const ctx = makeContext(command.optsWithGlobals<GlobalOptions>());
    const action = await load();
    outcome.exitCode = (await action(ctx, args, opts)) ?? 0;
  });
}

/** For commands whose issue has not landed: says so and exits 1, never pretends to work. */
export function notYet(cmd: Command, name: string): Command {
  return cmd.action(() => {
    throw new NotYetAvailableError(name);
  });
}
