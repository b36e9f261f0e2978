"""What a template may print (its declared context) and what it does print (attribute paths in its Jinja AST).

The declared context is partials/context.toml plus the letter type's [context] in letter.toml: nested tables
whose leaves describe a value for reviewers. A leaf may hold a structure (a list of lines, a window box), so
a path that goes below a leaf is accepted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import nodes

from correspondence.templates.catalog import LetterType, common_context

# Names Jinja itself provides inside templates.
BUILTINS = {"loop", "super", "self", "varargs", "kwargs", "caller", "range", "dict", "lipsum", "cycler", "joiner",
            "namespace", "true", "false", "none", "True", "False", "None"}


@dataclass(frozen=True)
class Use:
    """One use of context data in a template: the dotted path and the line it is on."""

    path: tuple[str, ...]
    line: int


def declared(templates_dir: Path, letter_type: LetterType) -> dict[str, Any]:
    """The letter type's full declared context: common context merged with its own."""
    tree = _merge(common_context(templates_dir), letter_type.context)
    return tree


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = dict(a)
    for key, value in b.items():
        merged[key] = _merge(merged[key], value) if isinstance(merged.get(key), dict) and isinstance(value, dict) \
            else value
    return merged


def leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from leaves(value, prefix + (key,))
        else:
            yield prefix + (key,), str(value)


def _bound_names(template: nodes.Template) -> set[str]:
    """Names a template binds itself (for targets, set, macro arguments, with): not context data."""
    bound: set[str] = set()
    for node in template.find_all((nodes.For, nodes.Assign, nodes.AssignBlock, nodes.With)):
        targets = node.targets if isinstance(node, nodes.With) else [node.target]
        for target in targets:
            bound.update(n.name for n in target.find_all(nodes.Name))
            if isinstance(target, nodes.Name):
                bound.add(target.name)
    for node in template.find_all((nodes.Macro, nodes.CallBlock)):
        bound.update(arg.name for arg in node.args)
        if isinstance(node, nodes.Macro):
            bound.add(node.name)
    for node in template.find_all((nodes.Import, nodes.FromImport)):
        if isinstance(node, nodes.Import):
            bound.add(node.target)
        else:
            bound.update(n if isinstance(n, str) else n[-1] for n in node.names)
    return bound


def uses(template: nodes.Template) -> list[Use]:
    """Every context path the template reads, longest form only (`payment.amount`, not also `payment`)."""
    bound = _bound_names(template)
    found: list[Use] = []
    inner: set[int] = set()

    def path_of(node: nodes.Node) -> tuple[str, ...] | None:
        parts: list[str] = []
        while True:
            if isinstance(node, nodes.Getattr):
                parts.append(node.attr)
                node = node.node
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                value = node.arg.value
                parts = [] if not isinstance(value, str) else parts + [value]  # a list index ends the path
                node = node.node
            elif isinstance(node, nodes.Getitem):
                parts = []
                node = node.node
            elif isinstance(node, nodes.Name):
                return (node.name, *reversed(parts))
            else:
                return None

    for node in template.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in inner:
            continue
        for child in node.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
            inner.add(id(child))
        path = path_of(node)
        if path and path[0] not in bound and path[0] not in BUILTINS:
            found.append(Use(path, node.lineno))
    for node in template.find_all(nodes.Name):
        if id(node) not in inner and node.ctx == "load" and node.name not in bound and node.name not in BUILTINS:
            found.append(Use((node.name,), node.lineno))
    return found


def unknown(tree: dict[str, Any], path: tuple[str, ...]) -> tuple[int, list[str]] | None:
    """None when the path is declared; else (index of the first unknown part, the names known at that level)."""
    node: Any = tree
    for index, part in enumerate(path):
        if not isinstance(node, dict):
            return None  # below a leaf: the leaf describes a structure
        if part not in node:
            return index, sorted(node)
        node = node[part]
    return None


def suggestion(tree: dict[str, Any], path: tuple[str, ...]) -> str | None:
    """The declared path most like the unknown one ("monthly_amount" for "montant_mensuel"), if any is close."""
    problem = unknown(tree, path)
    if problem is None:
        return None
    index, siblings = problem
    close = difflib.get_close_matches(path[index], siblings, n=1, cutoff=0.5)
    if close:
        return ".".join(path[:index] + (close[0],))
    everything = [".".join(p) for p, _ in leaves(tree)]
    close = difflib.get_close_matches(".".join(path), everything, n=1, cutoff=0.5)
    if not close:
        last = {p.rsplit(".", 1)[-1]: p for p in everything}
        close = [last[m] for m in difflib.get_close_matches(path[-1], list(last), n=1, cutoff=0.45)]
    return close[0] if close else None


def covered(declared_path: tuple[str, ...], used: set[tuple[str, ...]]) -> bool:
    """A declared leaf counts as used when the template prints it, a part of it or the whole block around it."""
    return any(u[: len(declared_path)] == declared_path or declared_path[: len(u)] == u for u in used)


def variables_text(templates_dir: Path, letter_type: LetterType) -> str:
    """The reviewer's list of what a letter type's templates may print, with each value's description."""
    own = {p for p, _ in leaves(letter_type.context)}
    lines = [f"Variables of {letter_type.name} ({letter_type.description})", ""]
    group = None
    for path, description in leaves(declared(templates_dir, letter_type)):
        if path[0] != group:
            group = path[0]
            source = f"{letter_type.name}/letter.toml" if path in own else "partials/context.toml"
            lines.append(f"{group}  (from {source})")
        lines.append(f"  {{{{ {'.'.join(path)} }}}}".ljust(40) + f" {description}")
    return "\n".join(lines) + "\n"
