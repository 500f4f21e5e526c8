import type { Command, Option } from "commander";

/** The command tree as plain data: every path, its subcommands and its options. */
export interface CompletionNode {
  path: string[];
  description: string;
  subcommands: string[];
  options: string[];
}

function optionFlags(options: readonly Option[]): string[] {
  const flags: string[] = [];
  for (const o of options) {
    if (o.long) flags.push(o.long);
    if (o.short) flags.push(o.short);
  }
  return flags;
}

export function completionTree(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const globals = [...optionFlags(program.options), "--help"];
  const walk = (cmd: Command, path: string[]) => {
    const subs = cmd.commands.filter((c) => c.name() !== "help");
    nodes.push({
      path,
      description: cmd.description(),
      subcommands: subs.map((c) => c.name()),
      options: [...new Set([...optionFlags(cmd.options), ...globals])],
    });
    for (const sub of subs) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return nodes;
}

function bashBody(nodes: CompletionNode[]): string {
  const cases = nodes
    .map((n) => `    "${n.path.join(" ")}") words="${[...n.subcommands, ...n.options].join(" ")}" ;;`)
    .join("\n");
  const known = nodes.map((n) => `"${n.path.join(" ")}"`).join(" ");
  return `_lgauth_complete() {
  local cur path candidate w i words known
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  known=(${known})
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    if [ -z "$path" ]; then candidate="$w"; else candidate="$path $w"; fi
    for k in "\${known[@]}"; do
      if [ "$k" = "$candidate" ]; then path="$candidate"; break; fi
    done
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}`;
}

export function bashScript(program: Command): string {
  return `# lgauth completion for bash: eval "$(lgauth completion bash)"\n${bashBody(completionTree(program))}\ncomplete -F _lgauth_complete lgauth\n`;
}

export function zshScript(program: Command): string {
  return `#compdef lgauth\n# lgauth completion for zsh: eval "$(lgauth completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${bashBody(completionTree(program))}\ncomplete -F _lgauth_complete lgauth\n`;
}

function fishEscape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
}

export function fishScript(program: Command): string {
  const nodes = completionTree(program);
  const lines = ["# lgauth completion for fish: lgauth completion fish | source", "complete -c lgauth -f"];
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
    for (const flag of node.options.filter((f) => f.startsWith("--"))) {
      lines.push(`complete -c lgauth -n '${condition}' -l ${flag.slice(2)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
