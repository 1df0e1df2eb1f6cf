"""`mlreq completion bash|zsh|fish`: shell completion scripts made from the real parser.

Commands, subcommands and options come from the argument parser itself, so the scripts
never fall out of step with it. Question ids, iteration names, role and stage ids depend on
the project in the current folder: the scripts ask `mlreq completion --values KIND`, which
reads the project's form (and git's tags for iterations) and prints one value a line, or
nothing outside a project. Roles and stages complete as ids and iterations as slugs: every
option takes them, and they hold no spaces for a shell to split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import TextIO

SHELLS = ("bash", "zsh", "fish")
KINDS = ("questions", "iterations", "roles", "stages")
# Which values an option or a command's first argument takes.
OPTION_VALUES = {"--role": "roles", "--stage": "stages", "--at": "iterations", "--from": "iterations"}
QUESTION_COMMANDS = ("show", "answer", "impact", "resolve", "log")
REVISION_COMMANDS = ("diff",)

INSTALL = """\
install:
  bash  mlreq completion bash > ~/.local/share/bash-completion/completions/mlreq
  zsh   mlreq completion zsh > "${fpath[1]}/_mlreq"   (or: source <(mlreq completion zsh))
  fish  mlreq completion fish > ~/.config/fish/completions/mlreq.fish
"""


def add_parsers(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class
    completion = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="print a completion script for commands, options, question ids, iterations, roles and stages",
        epilog=INSTALL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", nargs="?", choices=SHELLS)
    completion.add_argument("--values", choices=KINDS, help=argparse.SUPPRESS)  # what the scripts call


def run_completion(args: argparse.Namespace, parser: argparse.ArgumentParser, out: TextIO) -> int:
    from mlreq.projects import InvalidInputError

    if args.values:
        for value in completion_values(args.values, Path(".")):
            print(value, file=out)
        return 0
    if args.shell is None:
        raise InvalidInputError(f"name a shell: mlreq completion {'|'.join(SHELLS)}")
    commands = _commands(parser)
    maker = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[args.shell]
    script = maker(commands, _options(parser), _value_options(parser))
    out.write(script)
    return 0


def completion_values(kind: str, where: Path) -> list[str]:
    """The project's values of one kind, or [] outside a (readable) project: completion
    must never print an error into the command line being typed."""
    from mlreq.bank.errors import MlreqError
    from mlreq.projects import Project

    try:
        project = Project.open(where)
        form = project.form
        if kind == "questions":
            return [q.id for q in form.questions]
        if kind == "roles":
            return [r.id for r in form.roles]
        if kind == "stages":
            return [s.id for s in form.stages]
        from mlreq.projects.history import History, slugify

        # Slugs ("kick-off-workshop"): `--at` takes them, and shells split names at spaces.
        return [slugify(i.name) or i.tag for i in History(project).iterations()]
    except (MlreqError, OSError, ValueError):
        return []


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _commands(parser: argparse.ArgumentParser) -> dict[str, tuple[list[str], list[str]]]:
    """command -> (its options, its subcommands)."""
    found = {}
    for name, sub in _subparsers(parser).items():
        options = [o for a in sub._actions for o in a.option_strings if o.startswith("--") and a.help != argparse.SUPPRESS]
        nested = _subparsers(sub)
        for child in nested.values():
            options += [o for a in child._actions for o in a.option_strings if o.startswith("--")]
        found[name] = (sorted(set(options)), list(nested))
    return found


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings if o.startswith("--")]


def _value_options(parser: argparse.ArgumentParser) -> list[str]:
    """Every option, of any command, that takes a value: the word after it is no argument."""
    found = {o for a in parser._actions if a.option_strings and a.nargs != 0 for o in a.option_strings}
    for sub in _subparsers(parser).values():
        found |= set(_value_options(sub))
    return sorted(found)


def bash_script(commands: dict[str, tuple[list[str], list[str]]], global_options: list[str], value_options: list[str]) -> str:
    cases = []
    for name, (options, nested) in commands.items():
        cases.append(f'    {name}) opts="{" ".join(options)}"; subs="{" ".join(nested)}";;')
    values = "\n".join(f"    {option}) kind={kind};;" for option, kind in OPTION_VALUES.items())
    return f"""# mlreq completion for bash (made by `mlreq completion bash`)
_mlreq() {{
  # The shell passes the word being completed and the one before it; zsh (bashcompinit)
  # counts COMP_WORDS from 0 only with ksharrays.
  [ -n "${{ZSH_VERSION:-}}" ] && setopt localoptions ksharrays
  local cur="$2" prev="$3"
  local cmd="" sub="" word i kind="" opts="" subs="" positional=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${{COMP_WORDS[i]}}"
    case "$word" in
      {"|".join(value_options)}) i=$((i + 1));;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd="$word"; elif [ -z "$sub" ]; then sub="$word"; positional=$((positional + 1)); else positional=$((positional + 1)); fi;;
    esac
  done
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "{" ".join(commands)} {" ".join(global_options)}" -- "$cur"))
    return
  fi
  case "$cmd" in
{chr(10).join(cases)}
  esac
  case "$prev" in
{values}
    --format) COMPREPLY=($(compgen -W "md html csv xlsx json reqif" -- "$cur")); return;;
    --status) COMPREPLY=($(compgen -W "open draft agreed needs-review" -- "$cur")); return;;
    --output|-o|--file|--project) COMPREPLY=($(compgen -f -- "$cur")); return;;
  esac
  if [ -n "$kind" ]; then
    COMPREPLY=($(compgen -W "$(mlreq completion --values "$kind" 2>/dev/null)" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  if [ -n "$subs" ] && [ -z "$sub" ]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return
  fi
  case "$cmd" in
    {"|".join(QUESTION_COMMANDS)}) [ -z "$sub" ] && COMPREPLY=($(compgen -W "$(mlreq completion --values questions 2>/dev/null)" -- "$cur"));;
    {"|".join(REVISION_COMMANDS)}) COMPREPLY=($(compgen -W "$(mlreq completion --values iterations 2>/dev/null)" -- "$cur"));;
    completion) COMPREPLY=($(compgen -W "{" ".join(SHELLS)}" -- "$cur"));;
  esac
}}
complete -o default -F _mlreq mlreq
"""


def zsh_script(commands: dict[str, tuple[list[str], list[str]]], global_options: list[str], value_options: list[str]) -> str:
    # zsh runs bash completion functions through bashcompinit: one logic for both shells.
    return (
        "#compdef mlreq\n# mlreq completion for zsh (made by `mlreq completion zsh`)\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(commands, global_options, value_options)
    )


def fish_script(commands: dict[str, tuple[list[str], list[str]]], global_options: list[str], value_options: list[str]) -> str:
    del value_options  # fish knows which options take values from their -x/-r flags
    lines = ["# mlreq completion for fish (made by `mlreq completion fish`)", "complete -c mlreq -f"]
    names = " ".join(commands)
    lines.append(f"complete -c mlreq -n 'not __fish_seen_subcommand_from {names}' -a '{names}'")
    for option in global_options:
        lines.append(f"complete -c mlreq -n 'not __fish_seen_subcommand_from {names}' -l {option[2:]}")
    for name, (options, nested) in commands.items():
        seen = f"__fish_seen_subcommand_from {name}"
        if nested:
            lines.append(f"complete -c mlreq -n '{seen}; and not __fish_seen_subcommand_from {' '.join(nested)}' -a '{' '.join(nested)}'")
        for option in options:
            kind = OPTION_VALUES.get(option)
            if kind:
                values = f" -xa '(mlreq completion --values {kind} 2>/dev/null)'"
            elif option == "--format":
                values = " -xa 'md html csv xlsx json reqif'"
            elif option == "--status":
                values = " -xa 'open draft agreed needs-review'"
            elif option in ("--output", "--file", "--project"):
                values = " -rF"
            else:
                values = ""
            lines.append(f"complete -c mlreq -n '{seen}' -l {option[2:]}{values}")
    lines.append(f"complete -c mlreq -n '__fish_seen_subcommand_from {' '.join(QUESTION_COMMANDS)}' -a '(mlreq completion --values questions 2>/dev/null)'")
    lines.append(f"complete -c mlreq -n '__fish_seen_subcommand_from {' '.join(REVISION_COMMANDS)}' -a '(mlreq completion --values iterations 2>/dev/null)'")
    lines.append(f"complete -c mlreq -n '__fish_seen_subcommand_from completion' -a '{' '.join(SHELLS)}'")
    lines.append("complete -c mlreq -n '__fish_seen_subcommand_from import export' -F")
    return "\n".join(lines) + "\n"
