/**
 * Runs lgauth inside the test process (gh's table tests with iostreams.Test()): the same
 * program, parser and actions as the binary (src/cli/run.ts), with captured streams, the given
 * environment and config folder, and scripted answers for prompts. Much faster than a child
 * process per command; the secret recorder sees every run as it sees a child's.
 */
import { Readable } from "node:stream";
import { testIO } from "../../src/cli/io.js";
import { type ScriptedAnswer, scriptedAsker } from "../../src/cli/prompter.js";
import { runLgauth } from "../../src/cli/run.js";
import { configDir as configDirOf } from "../../src/session/paths.js";
import type { CliResult } from "./cli.js";
import { recordInProcessRun } from "./record-hooks.js";

export interface InProcessOptions {
  env: NodeJS.ProcessEnv;
  /**
   * What stdin holds (it ends after that). A list gives lines as the command reads them: a
   * function line is awaited only when the command wants that line (e.g. a code from the
   * outbox, mailed after the command sent it), as a script writing to a pipe would.
   */
  stdin?: string | Buffer | StdinLine[];
  /** Make stdin, stdout and stderr terminals (prompts, colour unless NO_COLOR, spinners). */
  tty?: boolean;
  /** Answers to the prompts, in order (strings for text and passwords, booleans for confirms). */
  answers?: ScriptedAnswer[];
  /**
   * Given what the command has written so far, before it runs: an answer function can read the
   * screen as a person at the terminal would (e.g. a secret the command just showed).
   */
  watch?: (output: { stdout(): string; stderr(): string }) => void;
}

/** A line of stdin, or a function that finds it when the command reads that far. */
export type StdinLine = string | (() => Promise<string>);

export interface InProcessResult extends CliResult {
  code: number;
  /** The prompts that were shown, in order. */
  asked: string[];
}

export async function lgauthInProcess(args: string[], options: InProcessOptions): Promise<InProcessResult> {
  const given: string[] = [];
  const lazy = Array.isArray(options.stdin) ? options.stdin : undefined;
  const stdin = lazy
    ? Readable.from(
        (async function* () {
          for (const line of lazy) {
            const text = typeof line === "function" ? await line() : line;
            given.push(text);
            yield Buffer.from(`${text}\n`);
          }
        })(),
      )
    : (options.stdin as string | Buffer | undefined);
  const t = testIO({ stdin, tty: options.tty, env: options.env });
  const asker = scriptedAsker(options.answers ?? []);
  const configDir = configDirOf(options.env);
  options.watch?.({ stdout: t.stdout, stderr: t.stderr });
  const { exitCode } = await runLgauth(args, { io: t.io, env: options.env, asker, configDir });
  const result = { code: exitCode, stdout: t.stdout(), stderr: t.stderr(), asked: asker.asked };
  const recordedStdin = lazy ? given.map((l) => `${l}\n`).join("") : (options.stdin as string | Buffer | undefined);
  recordInProcessRun({ args, env: options.env, configDir, stdin: recordedStdin, ...result });
  return result;
}
