import type { Check } from "../audit/probes.js";
import type { Context } from "./context.js";
import { ExitCode } from "./errors.js";
import { formatTable, paint, printJson, printLine } from "./output.js";

/** One table row per check, for people. */
export function checkRow(ctx: Context, c: Check): string[] {
  return [c.ok ? paint(ctx.color, "green", "pass") : paint(ctx.color, "red", "LEAK"), c.name, c.expected, c.actual];
}

/**
 * Prints the checks (a table, or the JSON document) and the verdict line; returns the exit
 * code: 0 when every check held, 5 on any leak.
 */
export function reportChecks(ctx: Context, checks: Check[], extra: Record<string, unknown> = {}): number {
  const failed = checks.filter((c) => !c.ok);
  const ok = failed.length === 0;
  if (ctx.json) {
    printJson({
      ...extra,
      checks: checks.map((c) => ({
        name: c.name,
        route: c.route,
        expected: c.expected,
        actual: c.actual,
        ok: c.ok,
        ...(c.ok ? {} : { explanation: c.explanation ?? null }),
      })),
      ok,
    });
    return ok ? ExitCode.ok : ExitCode.leak;
  }
  printLine(
    formatTable(
      ["result", "what was tried", "a private server answers", "it answered"],
      checks.map((c) => checkRow(ctx, c)),
      ctx.color,
    ),
  );
  printLine();
  for (const c of failed) {
    printLine(paint(ctx.color, "red", `LEAK ${c.route}: ${c.explanation ?? c.name}`));
  }
  if (ok) printLine(paint(ctx.color, "green", `Isolation holds: ${checks.length} of ${checks.length} checks`));
  else printLine(paint(ctx.color, "red", `Isolation broken: ${failed.length} of ${checks.length} checks leaked`));
  return ok ? ExitCode.ok : ExitCode.leak;
}
