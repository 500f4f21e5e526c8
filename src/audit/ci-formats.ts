/**
 * The checks as CI systems read them: JUnit XML (GitHub Actions test reporters, GitLab's
 * `artifacts:reports:junit`, Jenkins' `junit` step) and a Markdown table for a GitHub job
 * summary. Pure text; the CLI decides where it goes.
 */
import type { Check } from "./types.js";

export interface SuiteInfo {
  /** "lgauth demo" or "lgauth audit". */
  title: string;
  /** Whole run, in seconds. */
  seconds: number;
  /** When the run started. */
  timestamp: Date;
}

/** Characters XML 1.0 cannot hold at all (any control character but tab, newline, return). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what must be removed
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function xml(text: string): string {
  return text
    .replace(NOT_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * One `<testsuite>` in a `<testsuites>` root, one `<testcase>` per check (classname from the
 * title, so reports group them), a `<failure type="leak">` with what a private server answers
 * and what this one did for each leak.
 */
export function junitXml(checks: readonly Check[], suite: SuiteInfo): string {
  const failures = checks.filter((c) => !c.ok).length;
  const time = suite.seconds.toFixed(3);
  const classname = suite.title.replace(/\s+/g, ".");
  const counts = `tests="${checks.length}" failures="${failures}" errors="0" skipped="0" time="${time}"`;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xml(suite.title)}" ${counts}>`,
    `  <testsuite name="${xml(suite.title)}" ${counts} timestamp="${suite.timestamp.toISOString().replace(/\.\d{3}Z$/, "")}">`,
  ];
  for (const c of checks) {
    const head = `    <testcase classname="${xml(classname)}" name="${xml(c.name)}" time="${((c.ms ?? 0) / 1000).toFixed(3)}"`;
    if (c.ok && c.warning) {
      // a passing testcase that says its warning where CI reports show a test's output
      lines.push(`${head}>`, `      <system-out>${xml(`warning: ${c.warning}`)}</system-out>`, "    </testcase>");
      continue;
    }
    if (c.ok) {
      lines.push(`${head}/>`);
      continue;
    }
    const message = `LEAK: ${c.explanation ?? c.name}`;
    const body = [`route: ${c.route}`, `expected: ${c.expected}`, `actual: ${c.actual}`].join("\n");
    lines.push(
      `${head}>`,
      `      <failure message="${xml(message)}" type="leak">${xml(body)}</failure>`,
      "    </testcase>",
    );
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}

function cell(text: string): string {
  return text.replace(NOT_XML, "").replace(/\s+/g, " ").replace(/\|/g, "\\|").replace(/</g, "&lt;").trim();
}

/** A Markdown section for `$GITHUB_STEP_SUMMARY`: the verdict, then one table row per check. */
export function markdownSummary(checks: readonly Check[], suite: SuiteInfo): string {
  const failed = checks.filter((c) => !c.ok).length;
  const verdict =
    failed === 0
      ? `isolation holds (${checks.length} of ${checks.length} checks)`
      : `isolation broken (${failed} of ${checks.length} checks leaked)`;
  const rows = checks.map(
    (c) =>
      `| ${c.ok ? (c.warning ? "⚠️ warn" : "✅ pass") : "❌ LEAK"} | ${cell(c.name)} | \`${cell(c.route).replace(/`/g, "'")}\` | ${cell(c.expected)} | ${cell(c.actual)} |`,
  );
  return [
    `### ${suite.title}: ${verdict}`,
    "",
    "| result | what was tried | route | a private server answers | it answered |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "",
  ].join("\n");
}
