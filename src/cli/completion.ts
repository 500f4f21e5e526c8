import type { Command, Option } from "commander";

/**
 * The hidden command the completion scripts call for names only lgauth knows at run time:
 * `lgauth [--profile P] __complete profiles|threads|runs [<thread>]`, one candidate per line.
 */
export const COMPLETE_COMMAND = "__complete";

/** The command tree as plain data: every path, its subcommands, options and arguments. */
export interface CompletionNode {
  path: string[];
  description: string;
  subcommands: string[];
  /** Flags offered here: the command's and the global ones, never a hidden one (--password). */
  options: string[];
  /**
   * Its positional arguments, in order, by what completes them: "thread-id", "run-id",
   * "profile", "choices:a,b,c" for a fixed list, or the argument's name (nothing offered).
   */
  args: string[];
}

/** commander keeps "hidden" on the option (Option.hideHelp()). */
function visible(options: readonly Option[]): Option[] {
  return options.filter((o) => !o.hidden);
}

function optionFlags(options: readonly Option[]): string[] {
  const flags: string[] = [];
  for (const o of visible(options)) {
    if (o.long) flags.push(o.long);
    if (o.short) flags.push(o.short);
  }
  return flags;
}

/** Every flag of the tree that takes a value (so the word after it is not an argument). */
function valueFlags(program: Command): string[] {
  const flags = new Set<string>();
  const walk = (cmd: Command) => {
    for (const o of cmd.options) {
      if (!(o.required || o.optional)) continue;
      if (o.long) flags.add(o.long);
      if (o.short) flags.add(o.short);
    }
    for (const sub of cmd.commands) walk(sub);
  };
  walk(program);
  return [...flags].sort();
}

export function completionTree(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const globals = [...optionFlags(program.options), "--help"];
  const walk = (cmd: Command, path: string[]) => {
    const subs = cmd.commands.filter((c) => c.name() !== "help" && c.name() !== COMPLETE_COMMAND);
    nodes.push({
      path,
      description: cmd.description(),
      subcommands: subs.map((c) => c.name()),
      options: [...new Set([...optionFlags(cmd.options), ...globals])],
      args: cmd.registeredArguments.map((a) => (a.argChoices ? `choices:${a.argChoices.join(",")}` : a.name())),
    });
    for (const sub of subs) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return nodes;
}

function bashBody(program: Command, nodes: CompletionNode[]): string {
  const cases = nodes
    .map(
      (n) =>
        `    "${n.path.join(" ")}") words="${[...n.subcommands, ...n.options].join(" ")}"; args="${n.args.join(" ")}" ;;`,
    )
    .join("\n");
  const known = nodes.map((n) => `"${n.path.join(" ")}"`).join(" ");
  const takesValue = valueFlags(program).join("|");
  return `_lgauth_complete() {
  local cur prev path candidate w i k words args known matched npos thread kind rest
  local -a profile positional
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --profile|-p)
      COMPREPLY=($(compgen -W "$(lgauth ${COMPLETE_COMMAND} profiles 2>/dev/null)" -- "$cur"))
      return ;;
    ${takesValue}) COMPREPLY=(); return ;;
  esac
  path=""
  profile=()
  positional=()
  known=(${known})
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      --profile|-p) profile=(--profile "\${COMP_WORDS[i+1]}"); i=$((i + 1)); continue ;;
      ${takesValue}) i=$((i + 1)); continue ;;
      -*) continue ;;
    esac
    if [ -z "$path" ]; then candidate="$w"; else candidate="$path $w"; fi
    matched=0
    for k in "\${known[@]}"; do
      if [ "$k" = "$candidate" ]; then path="$candidate"; matched=1; break; fi
    done
    [ "$matched" = 0 ] && positional+=("$w")
  done
  case "$path" in
${cases}
    *) words=""; args="" ;;
  esac
  if [[ "$cur" != -* ]]; then
    # the kind of the argument under the cursor: word number npos of $args (split by hand, the
    # same in bash and in zsh's bashcompinit)
    npos=\${#positional[@]}
    kind=""
    rest="$args "
    k=0
    while [ -n "$rest" ]; do
      if [ "$k" = "$npos" ]; then kind="\${rest%% *}"; break; fi
      rest="\${rest#* }"
      k=$((k + 1))
    done
    case "$kind" in
      profile) words="$(lgauth ${COMPLETE_COMMAND} profiles 2>/dev/null)" ;;
      choices:*) words="\${kind#choices:}"; words="\${words//,/ }" ;;
      thread-id) words="$(lgauth "\${profile[@]}" ${COMPLETE_COMMAND} threads 2>/dev/null)" ;;
      run-id)
        thread="\${positional[-1]}"
        words="$(lgauth "\${profile[@]}" ${COMPLETE_COMMAND} runs "$thread" 2>/dev/null)" ;;
      ?*) words="" ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}`;
}

export function bashScript(program: Command): string {
  return `# lgauth completion for bash: eval "$(lgauth completion bash)"\n${bashBody(program, completionTree(program))}\ncomplete -F _lgauth_complete lgauth\n`;
}

export function zshScript(program: Command): string {
  return `#compdef lgauth\n# lgauth completion for zsh: eval "$(lgauth completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${bashBody(program, completionTree(program))}\ncomplete -F _lgauth_complete lgauth\n`;
}

function fishEscape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
}

export function fishScript(program: Command): string {
  const nodes = completionTree(program);
  const lines = [
    "# lgauth completion for fish: lgauth completion fish | source",
    "complete -c lgauth -f",
    // the --profile typed so far, for the names lgauth looks up
    "function __lgauth_profile; set -l t (commandline -opc); set -l i (contains -i -- --profile $t; or contains -i -- -p $t); and echo --profile; and echo $t[(math $i + 1)]; end",
    `complete -c lgauth -s p -l profile -x -a '(lgauth ${COMPLETE_COMMAND} profiles 2>/dev/null)'`,
  ];
  for (const node of nodes) {
    const parent = node.path;
    const condition =
      parent.length === 0 ? "__fish_use_subcommand" : `__fish_seen_subcommand_from ${parent[parent.length - 1]}`;
    const children = nodes.filter(
      (c) => c.path.length === parent.length + 1 && c.path.slice(0, -1).join(" ") === parent.join(" "),
    );
    for (const child of children) {
      lines.push(
        `complete -c lgauth -n '${condition}' -a ${child.path[child.path.length - 1]} -d '${fishEscape(child.description)}'`,
      );
    }
    for (const flag of node.options.filter((f) => f.startsWith("--") && f !== "--profile")) {
      lines.push(`complete -c lgauth -n '${condition}' -l ${flag.slice(2)}`);
    }
    if (parent.length > 0 && node.args[0] === "thread-id") {
      const within = parent.map((p) => `__fish_seen_subcommand_from ${p}`).join("; and ");
      lines.push(
        `complete -c lgauth -n '${within}' -a '(lgauth (__lgauth_profile) ${COMPLETE_COMMAND} threads 2>/dev/null)'`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
