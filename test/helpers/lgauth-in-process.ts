/**
 * Runs lgauth inside the test process (gh's table tests with iostreams.Test()): the same
 * program, parser and actions as the binary (src/cli/run.ts), with captured streams, the given
 * environment and config folder, and scripted answers for prompts. Much faster than a child
 * process per command; the secret recorder sees every run as it sees a child's.
 */
import { testIO } from "../../src/cli/io.js";
import { type ScriptedAnswer, scriptedAsker } from "../../src/cli/prompter.js";
import { runLgauth } from "../../src/cli/run.js";
import { configDir as configDirOf } from "../../src/session/paths.js";
import type { CliResult } from "./cli.js";
import { recordInProcessRun } from "./record-hooks.js";

export interface InProcessOptions {
  env: NodeJS.ProcessEnv;
  /** What stdin holds (it ends after that). */
  stdin?: string | Buffer;
  /** Make stdin, stdout and stderr terminals (prompts, colour unless NO_COLOR, spinners). */
  tty?: boolean;
  /** Answers to the prompts, in order (strings for text and passwords, booleans for confirms). */
  answers?: ScriptedAnswer[];
}

export interface InProcessResult extends CliResult {
  code: number;
  /** The prompts that were shown, in order. */
  asked: string[];
}

export async function lgauthInProcess(args: string[], options: InProcessOptions): Promise<InProcessResult> {
  const t = testIO({ stdin: options.stdin, tty: options.tty, env: options.env });
  const asker = scriptedAsker(options.answers ?? []);
  const configDir = configDirOf(options.env);
  const { exitCode } = await runLgauth(args, { io: t.io, env: options.env, asker, configDir });
  const result = { code: exitCode, stdout: t.stdout(), stderr: t.stderr(), asked: asker.asked };
  recordInProcessRun({ args, env: options.env, configDir, stdin: options.stdin, ...result });
  return result;
}
