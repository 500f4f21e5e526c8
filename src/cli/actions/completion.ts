/**
 * `lgauth completion <shell>`: the script for that shell, derived from the program's command
 * tree (../completion.ts). An action module so that the build keeps the scripts out of the
 * start-up bundle: every other command would pay for parsing them.
 */
import type { Command } from "commander";
import { bashScript, fishScript, zshScript } from "../completion.js";

export function completionScript(program: Command, shell: string): string {
  return shell === "bash" ? bashScript(program) : shell === "zsh" ? zshScript(program) : fishScript(program);
}
