import type { Command, Option } from "commander";
import { COMPLETE_COMMAND } from "./complete-command.js";

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

/**
 * The bash function, also zsh's through bashcompinit: so no variable may be one of zsh's special
 * parameters (a local `path` empties zsh's PATH inside the function, and then `lgauth` is not
 * found; `words` is zsh's completion word list).
 */
function bashBody(program: Command, nodes: CompletionNode[]): string {
  const cases = nodes
    .map(
      (n) =>
        `    "${n.path.join(" ")}") offer="${n.subcommands.join(" ")}"; flags="${n.options.join(" ")}"; args="${n.args.join(" ")}" ;;`,
    )
    .join("\n");
  const known = nodes.map((n) => `"${n.path.join(" ")}"`).join(" ");
  const takesValue = valueFlags(program).join("|");
  return `_lgauth_complete() {
  local cur prev cmd_path candidate w i k offer flags args known matched npos thread kind rest
  local -a profile positional
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --profile|-p)
      COMPREPLY=($(compgen -W "$(lgauth ${COMPLETE_COMMAND} profiles 2>/dev/null)" -- "$cur"))
      return ;;
    ${takesValue}) COMPREPLY=(); return ;;
  esac
  cmd_path=""
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
    if [ -z "$cmd_path" ]; then candidate="$w"; else candidate="$cmd_path $w"; fi
    matched=0
    for k in "\${known[@]}"; do
      if [ "$k" = "$candidate" ]; then cmd_path="$candidate"; matched=1; break; fi
    done
    [ "$matched" = 0 ] && positional+=("$w")
  done
  case "$cmd_path" in
${cases}
    *) offer=""; flags=""; args="" ;;
  esac
  # flags once a dash is typed (as gh's completion), else subcommands and arguments
  if [[ "$cur" == -* ]]; then
    offer="$flags"
  else
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
      profile) offer="$(lgauth ${COMPLETE_COMMAND} profiles 2>/dev/null)" ;;
      choices:*) offer="\${kind#choices:}"; offer="\${offer//,/ }" ;;
      thread-id) offer="$(lgauth "\${profile[@]}" ${COMPLETE_COMMAND} threads 2>/dev/null)" ;;
      run-id)
        thread="\${positional[-1]}"
        offer="$(lgauth "\${profile[@]}" ${COMPLETE_COMMAND} runs "$thread" 2>/dev/null)" ;;
      ?*) offer="" ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$offer" -- "$cur"))
}`;
}

export function bashScript(program: Command): string {
  return `# lgauth completion for bash: eval "$(lgauth completion bash)"\n${bashBody(program, completionTree(program))}\ncomplete -F _lgauth_complete lgauth\n`;
}

export function zshScript(program: Command): string {
  // compdef, which bashcompinit's complete calls, exists once compinit ran: a ~/.zshrc without it
  // (zsh -f, no framework) would get "command not found: compdef"
  return `#compdef lgauth\n# lgauth completion for zsh: eval "$(lgauth completion zsh)"\n(( $+functions[compdef] )) || { autoload -U compinit && compinit -i; }\nautoload -U +X bashcompinit && bashcompinit\n${bashBody(program, completionTree(program))}\ncomplete -F _lgauth_complete lgauth\n`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The fish script: the bash script's logic in fish (the command path typed so far, the
 * positional argument under the cursor and what completes it), so every shell offers the same
 * words; subcommands carry their descriptions, as fish shows them.
 */
export function fishScript(program: Command): string {
  const nodes = completionTree(program);
  const takesValue = valueFlags(program).filter((f) => f !== "--profile" && f !== "-p");
  const cases = nodes.map((n) => {
    const subs = n.subcommands.map((name) => {
      const child = nodes.find((c) => c.path.join(" ") === [...n.path, name].join(" "));
      return `${name}\\t${fishQuote(child?.description ?? "")}`;
    });
    const args = n.args.length > 0 ? `\n      set args ${n.args.map(fishQuote).join(" ")}` : "";
    const words = subs.length > 0 ? `\n      set words ${subs.join(" ")}` : "";
    return `    case ${fishQuote(n.path.join(" "))}${words}\n      set flags ${n.options.join(" ")}${args}`;
  });
  return `# lgauth completion for fish: lgauth completion fish | source
complete -c lgauth -e
function __lgauth_complete
  set -l tokens (commandline -opc)
  set -l cur (commandline -ct)
  set -e tokens[1]
  set -l prev ''
  test (count $tokens) -gt 0; and set prev $tokens[-1]
  switch "$prev"
    case --profile -p
      lgauth ${COMPLETE_COMMAND} profiles 2>/dev/null
      return
    case ${takesValue.join(" ")}
      return
  end
  set -l known ${nodes.map((n) => fishQuote(n.path.join(" "))).join(" ")}
  set -l cmd_path ''
  set -l profile
  set -l positional
  set -l i 1
  while test $i -le (count $tokens)
    set -l w $tokens[$i]
    set i (math $i + 1)
    switch $w
      case --profile -p
        set profile --profile $tokens[$i]
        set i (math $i + 1)
        continue
      case ${takesValue.join(" ")}
        set i (math $i + 1)
        continue
      case '-*'
        continue
    end
    set -l candidate $w
    test -n "$cmd_path"; and set candidate "$cmd_path $w"
    if contains -- $candidate $known
      set cmd_path $candidate
    else
      set -a positional $w
    end
  end
  set -l words
  set -l flags
  set -l args
  switch "$cmd_path"
${cases.join("\n")}
  end
  # flags once a dash is typed (as gh's completion), else subcommands and arguments
  if string match -q -- '-*' "$cur"
    set words $flags
  else
    set -l n (math (count $positional) + 1)
    set -l kind ''
    test $n -le (count $args); and set kind $args[$n]
    switch "$kind"
      case profile
        set words (lgauth ${COMPLETE_COMMAND} profiles 2>/dev/null)
      case 'choices:*'
        set words (string split , (string replace choices: '' $kind))
      case thread-id
        set words (lgauth $profile ${COMPLETE_COMMAND} threads 2>/dev/null)
      case run-id
        set words (lgauth $profile ${COMPLETE_COMMAND} runs $positional[-1] 2>/dev/null)
      case '?*'
        set words
    end
  end
  printf '%s\\n' $words
end
complete -c lgauth -f -a '(__lgauth_complete)'
`;
}
