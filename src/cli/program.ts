import { Argument, Command } from "commander";
import { registerAccount } from "./commands/account.js";
import { registerAuth } from "./commands/auth.js";
import { registerChat } from "./commands/chat.js";
import { registerIsolation } from "./commands/isolation.js";
import { registerMfa } from "./commands/mfa.js";
import { registerProfiles } from "./commands/profiles.js";
import { registerRuns } from "./commands/runs.js";
import { registerStack } from "./commands/stack.js";
import { registerThreads } from "./commands/threads.js";
import { type RunState, bindRun, lazyAction } from "./command-kit.js";
import type { CompleteWhat } from "./actions/complete.js";
import { COMPLETE_COMMAND } from "./complete-command.js";
import type { World } from "./context.js";
import { httpUrl, profileName } from "./parse.js";

declare const __LGAUTH_VERSION__: string;
export const VERSION = typeof __LGAUTH_VERSION__ === "string" ? __LGAUTH_VERSION__ : "0.0.0-dev";

const EXAMPLES = `
Examples:
  $ lgauth dev                                   # local Supabase Auth + LangGraph server
  $ lgauth signup --email alice@example.com      # prompts for a password on a terminal
  $ echo "$PW" | lgauth login --email alice@example.com --password-stdin
  $ lgauth chat --message "hello"                # one-shot, answer streamed
  $ lgauth threads list --json
  $ lgauth --profile bob whoami
  $ lgauth switch bob                            # bob's profile from now on (--profile still wins)
  $ lgauth account update --name "Ada Lovelace"  # display name; also --data k=v, --email NEW
  $ lgauth password reset --email ada@example.com
  $ lgauth demo --ci                             # two users, prove isolation, exit 5 on a leak

Environment:
  LGAUTH_PROFILE, SUPABASE_URL, SUPABASE_ANON_KEY, LANGGRAPH_URL, LGAUTH_CONFIG_DIR,
  LGAUTH_CREDENTIAL_STORE=file, NO_COLOR

Exit codes: 0 ok, 1 error, 2 bad usage, 4 not logged in, session expired or second factor needed,
5 isolation leak.`;

/**
 * The command tree for one run in `world`. Help and commander's errors go through the world's
 * streams (errors are thrown, see run.ts, and printed as our one line); every subcommand
 * inherits that, since commander copies it to commands created with .command().
 */
/**
 * The command groups and the top-level commands each one adds. A run builds only the group of
 * the command its argv names: building all of them (some 40 commands with their options) was
 * the largest part of a short command's start-up. No command, help, completion or a name not
 * listed here builds every group, so a command missing from this list still works, only slower
 * (test/unit/program.test.ts keeps the list in step with the groups).
 */
export const COMMAND_GROUPS: readonly [names: readonly string[], register: (program: Command) => void][] = [
  [["signup", "login", "logout", "whoami", "status", "token"], registerAuth],
  [["account", "password"], registerAccount],
  [["mfa"], registerMfa],
  [["profiles", "switch"], registerProfiles],
  [["threads"], registerThreads],
  [["runs"], registerRuns],
  [["chat", "assistants"], registerChat],
  [["dev"], registerStack],
  [["demo", "audit"], registerIsolation],
  // the completion scripts' helper: a TAB builds nothing else
  [[COMPLETE_COMMAND], registerComplete],
];

/** `lgauth __complete profiles|threads|runs [<thread>]`, hidden: what the completion scripts ask for. */
function registerComplete(program: Command): void {
  lazyAction<[CompleteWhat, string | undefined]>(
    program
      .command(COMPLETE_COMMAND, { hidden: true })
      .addArgument(new Argument("<what>").choices(["profiles", "threads", "runs"]))
      .argument("[thread]"),
    async () => (await import("./actions/complete.js")).complete,
  );
}

/** Global options that take a value: the word after them is not the command. */
const GLOBAL_VALUE_OPTIONS = new Set(["-p", "--profile", "--supabase-url", "--supabase-anon-key", "--langgraph-url"]);

/** The command word of argv (the first word that is neither an option nor a global option's value). */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") return argv[i + 1];
    if (GLOBAL_VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * `argv` (optional) names the command to run, so only its group is built; without it, or when
 * its command is not in COMMAND_GROUPS, every command is.
 */
export function buildProgram(
  world: World,
  state: RunState = { world, exitCode: 0 },
  argv?: readonly string[],
): Command {
  const program = new Command("lgauth")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => world.io.write(text),
      // commander's only use of writeErr once outputError is quiet: a group's help when no
      // subcommand is given (`lgauth threads`), which goes to stdout with exit 0, as gh does
      writeErr: (text) => world.io.write(text),
      outputError: () => {},
    })
    .description("Companion to the LangGraph auth tutorials: Supabase Auth users and their private conversations")
    .version(VERSION, "-V, --version", "print the version")
    .option(
      "-p, --profile <name>",
      'profile to use (env LGAUTH_PROFILE; else the one `lgauth switch` made active, else "default")',
      profileName,
    )
    .option("--json", "print one JSON document on stdout")
    .option("--debug", "print details (stack traces, requests) on stderr; secrets are redacted")
    .option("--supabase-url <url>", "Supabase project URL (env SUPABASE_URL)", httpUrl("--supabase-url"))
    .option("--supabase-anon-key <key>", "Supabase anon (publishable) key (env SUPABASE_ANON_KEY)")
    .option("--langgraph-url <url>", "LangGraph server URL (env LANGGRAPH_URL)", httpUrl("--langgraph-url"))
    .showSuggestionAfterError(true)
    .addHelpText("after", EXAMPLES);
  bindRun(program, state);

  const word = argv === undefined ? undefined : commandWord(argv);
  const only = word === undefined ? undefined : COMMAND_GROUPS.find(([names]) => names.includes(word));
  for (const group of only ? [only] : COMMAND_GROUPS) group[1](program);

  program
    .command("completion")
    .description("print a shell completion script")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
    .addHelpText(
      "after",
      [
        "",
        "Load it from your shell's start-up file:",
        '  bash   ~/.bashrc                    eval "$(lgauth completion bash)"',
        '  zsh    ~/.zshrc                     eval "$(lgauth completion zsh)"',
        "  fish   ~/.config/fish/config.fish   lgauth completion fish | source",
      ].join("\n"),
    )
    .action(async (shell: string) => {
      const { completionScript } = await import("./actions/completion.js");
      world.io.write(completionScript(program, shell));
    });

  return program;
}
