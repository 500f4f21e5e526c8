/** Start-up cost of the CLI: `lgauth --version` and `lgauth whoami` against `node -e 0`. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Row, compare, cpuPerRun, ratioRow, timeCommand } from "./lib.js";

const BIN = fileURLToPath(new URL("../bin/lgauth.js", import.meta.url));

export async function cliStartup(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "lgauth-bench-"));
  try {
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({ version: 1, defaults: {}, profiles: { default: { userId: "u-1", email: "a@example.com" } } }),
      { mode: 0o600 },
    );
    const env = { ...process.env, LGAUTH_CONFIG_DIR: dir };
    const node = { cmd: process.execPath, args: ["-e", "0"], env };
    const version = await compare(
      () => timeCommand({ cmd: process.execPath, args: [BIN, "--version"], env }),
      () => timeCommand(node),
      15,
    );
    const whoami = await compare(
      () => timeCommand({ cmd: process.execPath, args: [BIN, "whoami"], env }),
      () => timeCommand(node),
      15,
    );
    const whoamiCpu = await compare(
      () => cpuPerRun({ cmd: process.execPath, args: [BIN, "whoami"], env }),
      () => cpuPerRun(node),
      7,
      1,
    );
    return [
      ratioRow("`lgauth --version` wall", "`node -e 0`", version, "ms", "<= 1.3x", (r) => r <= 1.3),
      ratioRow("`lgauth whoami` (stored state)", "`node -e 0`", whoami, "ms", "<= 1.25x", (r) => r <= 1.25),
      ratioRow(
        "`lgauth whoami` CPU time (user+sys)",
        "`node -e 0`",
        whoamiCpu,
        "ms",
        "<= 1.25x",
        (r) => r <= 1.25,
        "batches of 8",
      ),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
