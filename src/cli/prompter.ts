/**
 * Questions to the person at the terminal (gh's prompter). A prompt appears only when the
 * context's stdin and stdout are terminals (IOStreams.canPrompt); otherwise a missing value is
 * a usage error naming the flag that supplies it. What actually asks is an `Asker`:
 * @inquirer/prompts on the context's streams, or a scripted one in tests.
 */
import { InterruptedError, UsageError } from "./errors.js";
import type { IOStreams } from "./io.js";

/** The questions lgauth asks; @inquirer/prompts' input, password and confirm fit. */
export interface Asker {
  input(question: { message: string; validate: (value: string) => true | string }): Promise<string>;
  password(question: { message: string }): Promise<string>;
  confirm(question: { message: string }): Promise<boolean>;
  /** One of `choices` (by arrow keys); answers its value. */
  select(question: { message: string; choices: Choice[]; default?: string }): Promise<string>;
}

/** One line of a pick list: what is shown, and the value it answers. */
export interface Choice {
  name: string;
  value: string;
}

/** Ctrl-C at an @inquirer/prompts prompt (ExitPromptError) becomes our InterruptedError: exit 130. */
async function interruptible<T>(ask: Promise<T>): Promise<T> {
  try {
    return await ask;
  } catch (err) {
    if (err instanceof Error && err.name === "ExitPromptError") throw new InterruptedError();
    throw err;
  }
}

/** @inquirer/prompts on the given streams, loaded on first use (it costs start-up time). */
export function inquirerAsker(io: IOStreams): Asker {
  // the streams are looked up at the first question (process.stdin costs start-up time)
  const context = () => ({ input: io.stdin, output: io.stdout });
  const load = () => import("@inquirer/prompts");
  return {
    async input(q) {
      return interruptible((await load()).input({ message: q.message, validate: q.validate }, context()));
    },
    async password(q) {
      return interruptible((await load()).password({ message: q.message, mask: "*" }, context()));
    },
    async confirm(q) {
      return interruptible((await load()).confirm({ message: q.message, default: false }, context()));
    },
    async select(q) {
      return (await load()).select<string>({ message: q.message, choices: q.choices, default: q.default }, context());
    },
  };
}

/** Error for a missing value in a script: names the flag that supplies it. */
export function missingValue(what: string, flag: string): UsageError {
  return new UsageError(`${what} is required when not running in a terminal`, `pass ${flag}`);
}

export class Prompter {
  constructor(
    private readonly io: IOStreams,
    private readonly asker: Asker,
  ) {}

  /** Someone can answer: stdin and stdout are terminals and CI is not set. */
  get available(): boolean {
    return this.io.canPrompt();
  }

  /**
   * A non-empty line of text; `flag` supplies it in scripts. `validate` (true, or why not) makes
   * the prompt ask again until the answer passes, as inquirer does.
   */
  async text(
    message: string,
    flag: string,
    what: string,
    validate: (value: string) => true | string = () => true,
  ): Promise<string> {
    if (!this.available) throw missingValue(what, flag);
    return this.asker.input({ message, validate: (v) => (v.trim() ? validate(v) : `${what} cannot be empty`) });
  }

  /** A masked answer (a password, a code). */
  async secret(message: string, flag: string, what: string): Promise<string> {
    if (!this.available) throw missingValue(what, flag);
    return this.asker.password({ message });
  }

  /** Yes or no, default no. */
  async confirm(message: string, flag: string): Promise<boolean> {
    if (!this.available) throw missingValue("confirmation", flag);
    return this.asker.confirm({ message });
  }

  /** One of `choices`, picked from a list (`current` preselected); `flag` gives it in scripts. */
  async select(message: string, choices: Choice[], flag: string, what: string, current?: string): Promise<string> {
    if (!this.available) throw missingValue(what, flag);
    return this.asker.select({ message, choices, ...(current === undefined ? {} : { default: current }) });
  }
}

/** A scripted answer: text, yes/no, or a function that finds it when the question comes (an emailed code). */
export type ScriptedAnswer = string | boolean | (() => Promise<string | boolean>);

/**
 * An Asker with scripted answers, for tests: each question takes the next answer (a string
 * for input, password and select (a choice's value), a boolean for confirm) and records what
 * was asked. An input answer its question's `validate` refuses is recorded in `refused` and the
 * question is asked again with the next answer, as inquirer's prompt stays until it passes.
 */
export function scriptedAsker(answers: ScriptedAnswer[]): Asker & { asked: string[]; refused: string[] } {
  const queue = [...answers];
  const asked: string[] = [];
  const refused: string[] = [];
  const next = async (message: string) => {
    asked.push(message);
    const answer = queue.shift();
    if (answer === undefined) throw new Error(`unexpected prompt: ${message}`);
    return typeof answer === "function" ? answer() : answer;
  };
  return {
    asked,
    refused,
    async input(q) {
      for (;;) {
        const answer = String(await next(q.message));
        const verdict = q.validate(answer);
        if (verdict === true) return answer;
        refused.push(verdict);
      }
    },
    async password(q) {
      return String(await next(q.message));
    },
    async confirm(q) {
      return (await next(q.message)) === true;
    },
    async select(q) {
      const value = String(await next(q.message));
      if (!q.choices.some((c) => c.value === value)) throw new Error(`"${value}" is not a choice of: ${q.message}`);
      return value;
    },
  };
}
