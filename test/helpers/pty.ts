/**
 * lgauth on a real pseudo-terminal: script(1) gives the CLI a pty, so its prompts, masking and
 * colours are the ones a person sees; the test answers prompts as a person would.
 */
import { type Child, startChild } from "./children.js";
import { LGAUTH_BIN } from "./cli.js";

/** Starts `lgauth args` on a pty with `w.env` (plus `env`), 120 columns of xterm. */
export function onTerminal(w: { env: NodeJS.ProcessEnv }, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const command = [process.execPath, LGAUTH_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return startChild("script", ["-qfec", command, "/dev/null"], {
    env: { ...w.env, TERM: "xterm", COLUMNS: "120", ...env },
  });
}

/** Waits for `prompt` on the terminal, then types `text` and Enter. */
export async function answer(child: Child, prompt: RegExp, text: string): Promise<void> {
  await child.waitFor(prompt, 20_000);
  child.proc.stdin?.write(`${text}\r`);
}
