"""The event types the source declares, read with :mod:`ast` (nothing is imported).

Declared means: a module-level string constant of an ``events.py`` module that looks like an
event name (``catalog.product.created``), or a constant passed as the event type to
``outbox.emit`` anywhere (``core.signature.recorded`` lives beside its service). For each, the
passages of its module's docstring and the comment that describe it, and the functions that
refer to it (where it is emitted, or handed to a workflow that emits it).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import mederp

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_SKIPPED_DIRS = {"migrations", "benchmarks", "__pycache__", "templates", "locale", "static"}
# "``a.b.c`` / ``.d`` (note):" — the heads of a docstring passage describing events.
_HEADS = re.compile(r"((?:``[^`]+``(?:\s*(?:/|,|or|and)\s*)?)+)\s*(?:\([^)]*\))?:")
_TOKEN = re.compile(r"``([^`]+)``")


@dataclass
class Declared:
    event_type: str
    constant: str  # dotted path of the constant, e.g. mederp.catalog.events.PRODUCT_CREATED
    module: str
    summary: str = ""  # the first sentence of the module's docstring
    notes: list[str] = field(default_factory=list)
    referenced_by: list[str] = field(default_factory=list)

    @property
    def app(self) -> str:
        """The package it belongs to: ``quality.capa`` for ``mederp.quality.capa.events``,
        ``inventory`` for ``mederp.inventory.services.recalls``."""
        parts = self.module.split(".")[1:]
        if parts[-1] == "events":
            return ".".join(parts[:-1])
        return ".".join(parts[:2] if parts[0] == "quality" else parts[:1])


@dataclass
class _Module:
    name: str
    path: Path
    tree: ast.Module
    source: list[str]
    constants: dict[str, tuple[str, int]]  # NAME -> (value, line)
    aliases: dict[str, str]  # local name -> module it stands for
    imported: dict[str, tuple[str, str]]  # local name -> (module, NAME)


def declared_events(root: Path | None = None) -> dict[str, Declared]:
    """Every declared event type, keyed by its name."""
    modules = {m.name: m for m in _modules(root or Path(mederp.__file__).resolve().parent)}
    found: dict[str, Declared] = {}
    for module in modules.values():
        if module.name.endswith(".events"):
            for name, (value, line) in module.constants.items():
                if EVENT_NAME.match(value):
                    found.setdefault(value, _declare(module, name, value, line))
    for module in modules.values():
        for call in _emit_calls(module.tree):
            resolved = _resolve(module, call.args[1], modules)
            if resolved and EVENT_NAME.match(resolved[2]) and resolved[2] not in found:
                home = modules[resolved[0]]
                found[resolved[2]] = _declare(home, resolved[1], resolved[2], resolved[3])
    by_constant = {(d.module, d.constant.rsplit(".", 1)[1]): d for d in found.values()}
    for module in modules.values():
        for (owner, name), where in _references(module, modules).items():
            declared = by_constant.get((owner, name))
            if declared is not None:
                declared.referenced_by.extend(w for w in where if w not in declared.referenced_by)
    for declared in found.values():
        declared.referenced_by.sort()
    return found


def _modules(root: Path) -> Iterator[_Module]:
    package = root.name
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if _SKIPPED_DIRS & set(rel.parts[:-1]):
            continue
        parts = [package, *rel.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:  # a file another change is half-way through; skip it
            continue
        is_package = path.name == "__init__.py"
        yield _Module(
            name, path, tree, text.splitlines(), _constants(tree), *_imports(tree, name, is_package)
        )


def _constants(tree: ast.Module) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            out[node.targets[0].id] = (node.value.value, node.lineno)
    return out


def _imports(
    tree: ast.Module, module: str, is_package: bool
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    aliases: dict[str, str] = {}
    imported: dict[str, tuple[str, str]] = {}
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for a in node.names:
                local = a.asname or a.name
                # ``from x import events`` names a module; ``from x.events import A`` a constant.
                aliases[local] = f"{base}.{a.name}"
                imported[local] = (base, a.name)
    return aliases, imported


def _emit_calls(tree: ast.Module) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            if name == "emit" and (owner is None or getattr(owner, "id", "") == "outbox"):
                yield node


def _resolve(
    module: _Module, node: ast.expr, modules: dict[str, _Module]
) -> tuple[str, str, str, int] | None:
    """The (module, NAME, value, line) of the constant ``node`` names, if it is one."""
    if isinstance(node, ast.Name):
        if node.id in module.constants:
            return (module.name, node.id, *module.constants[node.id])
        owner, name = module.imported.get(node.id, ("", ""))
        if owner in modules and name in modules[owner].constants:
            return (owner, name, *modules[owner].constants[name])
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = module.aliases.get(node.value.id, "")
        if owner in modules and node.attr in modules[owner].constants:
            return (owner, node.attr, *modules[owner].constants[node.attr])
    return None


def _references(module: _Module, modules: dict[str, _Module]) -> dict[tuple[str, str], list[str]]:
    """(owner module, NAME) -> the functions of ``module`` that name that constant."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)

    def visit(node: ast.AST, scope: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, [*scope, child.name])
                continue
            if isinstance(child, ast.Name | ast.Attribute) and isinstance(
                getattr(child, "ctx", None), ast.Load
            ):
                resolved = _resolve(module, child, modules)
                if resolved:
                    where = ".".join([module.name, *scope])
                    if where not in out[resolved[:2]]:
                        out[resolved[:2]].append(where)
            visit(child, scope)

    visit(module.tree, [])
    return out


def _declare(module: _Module, name: str, value: str, line: int) -> Declared:
    doc = ast.get_docstring(module.tree) or ""
    summary = _markdown(
        re.split(r"(?<=\.)\s", " ".join(doc.split("\n\n")[0].split()), maxsplit=1)[0]
    )
    notes = [_markdown(n) for n in (*_comment(module.source, line), *_passages(doc, value))]
    return Declared(value, f"{module.name}.{name}", module.name, summary, notes)


def _comment(source: list[str], line: int) -> list[str]:
    """The ``#`` lines right above the constant and a trailing comment (not ``noqa``)."""
    lines: list[str] = []
    i = line - 2
    while i >= 0 and source[i].strip().startswith("#"):
        lines.insert(0, source[i].strip().lstrip("#:").strip())
        i -= 1
    trailing = source[line - 1].partition("#")[2].strip()
    # A trailing remark says something only when it is a sentence ("the outbox event" is not).
    if len(trailing.split()) > 3 and not trailing.startswith("noqa"):
        lines.append(trailing)
    return [" ".join(lines)] if lines else []


def _passages(doc: str, event: str) -> list[str]:
    """The docstring passages headed by this event (or a pattern or short name that fits it)."""
    exact: list[str] = []
    loose: list[str] = []
    for paragraph in doc.split("\n\n"):
        text = " ".join(paragraph.split())
        heads = list(_HEADS.finditer(text))
        for i, head in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            passage = text[head.start() : end].strip()
            tokens = _TOKEN.findall(head.group(1))
            if any(_fits(t, event, tokens) for t in tokens):
                exact.append(passage)
            elif any(event.endswith("." + t) for t in tokens):
                loose.append(passage)
        if not exact and f"``{event}``" in text:
            # Named in passing ("... events: ``capa.closed`` (signed), ..."): its sentence.
            exact.extend(
                sentence
                for sentence in re.split(r"(?<=[.;])\s+", text)
                if f"``{event}``" in sentence
            )
    # Workflow steps named by their last word ("``confirmed``") apply when nothing is exact.
    for paragraph in doc.split("\n\n"):
        text = " ".join(paragraph.split())
        for steps in re.finditer(r"(?:\w+ ){0,3}\(((?:``[a-z_]+``,?\s*)+)\):([^.]*)", text):
            if event.rsplit(".", 1)[1] in _TOKEN.findall(steps.group(1)):
                loose.append(steps.group(0))
    return exact or loose[:1]


def _fits(token: str, event: str, heads: list[str]) -> bool:
    if token == event:
        return True
    if token.startswith("."):  # ``a.b.paused`` / ``.resumed``
        stems = {h.rsplit(".", 1)[0] for h in heads if not h.startswith(".")}
        return any(event == f"{stem}{token}" for stem in stems)
    if "*" in token:
        pattern = re.escape(token).replace(r"\*", "[a-z0-9_.]+")
        return (
            re.fullmatch(pattern, event) is not None
            or re.search(rf"(^|\.){pattern}$", event) is not None
        )
    return False


def _markdown(text: str) -> str:
    """reST literals and roles as Markdown: ````x```` -> ```x```, ``:func:`x``` -> ```x```."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")
