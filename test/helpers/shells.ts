/**
 * The shells the completion tests run (zsh and fish, from Debian; .ci/run installs them). Where
 * one is missing its test is skipped, except in CI, where that is a failure: the scripts would
 * otherwise ship untested.
 */
import { spawnSync } from "node:child_process";
import { inCI } from "./keyring.js";

export function shellMissing(shell: "zsh" | "fish"): string | false {
  if (spawnSync("sh", ["-c", `command -v ${shell}`], { stdio: "ignore" }).status === 0) return false;
  const reason = `${shell} is not installed (apt-get install ${shell})`;
  if (inCI) throw new Error(`CI must test ${shell} completion, but ${reason}`);
  return reason;
}
