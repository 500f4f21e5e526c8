import { appendFile, writeFile } from "node:fs/promises";
import { junitXml, markdownSummary, type SuiteInfo } from "../audit/ci-formats.js";
import type { Check } from "../audit/types.js";
import type { Context } from "./context.js";
import { CliError, ExitCode } from "./errors.js";
import { formatTable, paint } from "./output.js";

/** One table row per check, for people. */
function checkRow(ctx: Context, c: Check): string[] {
  const result = !c.ok
    ? paint(ctx.color, "red", "LEAK")
    : c.warning
      ? paint(ctx.color, "yellow", "warn")
      : paint(ctx.color, "green", "pass");
  return [result, c.name, c.expected, c.actual];
}

export interface ReportOptions {
  /** "lgauth demo" or "lgauth audit": names the JUnit suite and the summary section. */
  title: string;
  /** `--junit FILE`: where the JUnit XML goes. */
  junit?: string;
  /** How long the whole run took. */
  seconds: number;
  /** Fields of the JSON document before `checks`. */
  extra?: Record<string, unknown>;
}

async function writeCiReports(ctx: Context, checks: Check[], opts: ReportOptions): Promise<void> {
  const suite: SuiteInfo = {
    title: opts.title,
    seconds: opts.seconds,
    timestamp: new Date(Date.now() - opts.seconds * 1000),
  };
  const summary = ctx.env.GITHUB_STEP_SUMMARY;
  const writes: [string, string, () => Promise<void>][] = [];
  if (opts.junit) {
    const file = opts.junit;
    writes.push(["the JUnit report", file, () => writeFile(file, junitXml(checks, suite))]);
  }
  if (summary) writes.push(["the job summary", summary, () => appendFile(summary, markdownSummary(checks, suite))]);
  for (const [what, file, write] of writes) {
    try {
      await write();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw new CliError(`cannot write ${what} to ${file} (${code})`, {
        hint: "the checks above ran; give a path in a folder that exists and is writable",
      });
    }
  }
}

/**
 * Prints the checks (a table, or the JSON document) and the verdict line, writes the JUnit
 * report (`--junit`) and appends the Markdown table to `$GITHUB_STEP_SUMMARY` when it is set;
 * returns the exit code: 0 when every check held, 5 on any leak.
 */
export async function reportChecks(ctx: Context, checks: Check[], opts: ReportOptions): Promise<number> {
  const failed = checks.filter((c) => !c.ok);
  const ok = failed.length === 0;
  if (ctx.json) {
    ctx.io.printJson({
      ...opts.extra,
      seconds: Math.round(opts.seconds * 10) / 10,
      checks: checks.map((c) => ({
        name: c.name,
        route: c.route,
        expected: c.expected,
        actual: c.actual,
        ok: c.ok,
        ...(c.ok ? {} : { explanation: c.explanation ?? null }),
        ...(c.warning ? { warning: c.warning } : {}),
      })),
      ok,
    });
  } else {
    ctx.io.print(
      formatTable(
        ["result", "what was tried", "a private server answers", "it answered"],
        checks.map((c) => checkRow(ctx, c)),
        ctx.color,
      ),
    );
    ctx.io.print();
    for (const c of failed) {
      ctx.io.print(paint(ctx.color, "red", `LEAK ${c.route}: ${c.explanation ?? c.name}`));
    }
    const warned = checks.filter((c) => c.ok && c.warning);
    for (const c of warned) ctx.io.print(paint(ctx.color, "yellow", `WARN ${c.route}: ${c.warning}`));
    const warnings = warned.length === 0 ? "" : ` (${warned.length} warning${warned.length === 1 ? "" : "s"})`;
    if (ok)
      ctx.io.print(
        paint(ctx.color, "green", `Isolation holds: ${checks.length} of ${checks.length} checks${warnings}`),
      );
    else ctx.io.print(paint(ctx.color, "red", `Isolation broken: ${failed.length} of ${checks.length} checks leaked`));
  }
  await writeCiReports(ctx, checks, opts);
  return ok ? ExitCode.ok : ExitCode.leak;
}
