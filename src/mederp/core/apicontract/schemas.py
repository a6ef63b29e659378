"""Compare two JSON Schemas in one direction (request: may only accept more; response: may only
return less), following ``$ref`` on both sides; see :mod:`mederp.core.apicontract.compat`.

A component is compared once per (old name, new name, direction); its findings are located in
the new document's ``/components/schemas/...`` and name the operations that reach it, found by
walking which operation or component led into which component.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from mederp.core.apicontract import shapes
from mederp.core.apicontract.findings import (
    ADDED,
    BREAKING,
    CHANGED,
    REQUEST,
    RESPONSE,
    Finding,
    escape,
)

Schema = Mapping[str, Any]
Key = tuple[str, str, str]
Emit = Callable[[str, str, str], None]

# Bounds that cap a value from above / below; a tighter cap refuses values valid before.
_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
# Constraints whose any change may refuse (request) or surprise (response) someone.
_SHAPES = ("pattern", "format", "multipleOf")
# (old type, new type) that is no change for a client: a request field that took integers and
# now takes any number; a response field that returned numbers and now returns integers.
_WIDER = {REQUEST: ("integer", "number"), RESPONSE: ("number", "integer")}


class SchemaComparator:
    """Compares schemas for :class:`compat._Documents`; component findings wait for
    :meth:`component_findings`, operation-level ones go to ``emit`` at once."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any], emit: Emit) -> None:
        self.old, self.new = old, new
        self.operation = ""
        self._emit_now = emit
        self._stack: list[Key] = []
        self._done: set[Key] = set()
        self._found: dict[Key, list[tuple[str, str, str]]] = defaultdict(list)
        self._edges: dict[Key | str, set[Key]] = defaultdict(set)

    # -- plumbing -------------------------------------------------------------------------

    def resolve(self, obj: Any, doc: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow local ``$ref`` chains (``#/components/...``) to the object they name."""
        seen: set[str] = set()
        while isinstance(obj, Mapping) and isinstance(obj.get("$ref"), str):
            ref = obj["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}
            seen.add(ref)
            target: Any = doc
            for token in ref[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                target = target.get(token, {}) if isinstance(target, Mapping) else {}
            obj = target
        return obj if isinstance(obj, Mapping) else {}

    def _emit(self, severity: str, location: str, message: str) -> None:
        if self._stack:
            self._found[self._stack[-1]].append((severity, location, message))
        else:
            self._emit_now(severity, location, f"{self.operation}: {message}")

    def component_findings(self) -> list[Finding]:
        """Findings inside components, each with the operations that reach its component."""
        users: dict[Key, set[str]] = defaultdict(set)
        for start in [n for n in self._edges if isinstance(n, str)]:
            todo, seen = list(self._edges[start]), set()
            while todo:
                key = todo.pop()
                if key in seen:
                    continue
                seen.add(key)
                users[key].add(start)
                todo.extend(self._edges.get(key, ()))
        return [
            Finding(severity, location, message, tuple(sorted(users[key])))
            for key, found in self._found.items()
            for severity, location, message in found
        ]

    # -- comparison -----------------------------------------------------------------------

    def compare(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        """Compare ``old`` and ``new`` where ``subject`` (backticked) sits in ``direction``."""
        if direction == REQUEST and old.get("default", new.get("default")) != new.get("default"):
            self._emit(
                CHANGED,
                f"{loc}/default",
                f"{subject} defaults to {shapes.show(new.get('default'))} now "
                f"(was {shapes.show(old.get('default'))})",
            )
        old_alts, new_alts = shapes.alternatives(old), shapes.alternatives(new)
        if len(old_alts) > 1 or len(new_alts) > 1:
            self._union(old_alts, new_alts, direction, loc, subject)
            return
        old, new = old_alts[0], new_alts[0]
        old_name, new_name = shapes.component(old), shapes.component(new)
        if old_name and new_name:
            key = (old_name, new_name, direction)
            self._edges[self._stack[-1] if self._stack else self.operation].add(key)
            if key in self._done or key in self._stack:
                return
            self._stack.append(key)
            try:
                self.compare(
                    self.resolve(old, self.old),
                    self.resolve(new, self.new),
                    direction,
                    f"/components/schemas/{escape(new_name)}",
                    f"`{new_name}`",
                )
            finally:
                self._stack.pop()
                self._done.add(key)
            return
        if "$ref" in old or "$ref" in new:
            old, new = self.resolve(old, self.old), self.resolve(new, self.new)
            self.compare(old, new, direction, loc, subject)
            return
        self._single(old, new, direction, loc, subject)

    def _union(
        self,
        old_alts: list[Schema],
        new_alts: list[Schema],
        direction: str,
        loc: str,
        subject: str,
    ) -> None:
        pairs, old_left, new_left = self._pair(old_alts, new_alts, direction)
        for a, b in pairs:
            self.compare(a, b, direction, loc, subject)
        if direction == REQUEST:
            if not any(self._type(a, self.new) is None for a in new_alts):
                for a in old_left:
                    if self._type(a, self.old) == "null":
                        text = f"{subject} is no longer nullable: null is refused now"
                    else:
                        text = f"{subject} no longer accepts {self._describe(a, self.old)}"
                    self._emit(BREAKING, loc, text)
            for b in new_left:
                self._emit(ADDED, loc, f"{subject} now also accepts {self._describe(b, self.new)}")
        else:
            if not any(self._type(a, self.old) is None for a in old_alts):
                for b in new_left:
                    if self._type(b, self.new) == "null":
                        text = f"{subject} may now be null (made nullable)"
                    else:
                        text = f"{subject} may now be {self._describe(b, self.new)}"
                    self._emit(BREAKING, loc, text)
            for a in old_left:
                self._emit(CHANGED, loc, f"{subject} is never {self._describe(a, self.old)} now")

    def _pair(
        self, old_alts: list[Schema], new_alts: list[Schema], direction: str
    ) -> tuple[list[tuple[Schema, Schema]], list[Schema], list[Schema]]:
        """Match alternatives: same component, then same type, then integer within number."""
        old_left, new_left = list(old_alts), list(new_alts)
        pairs: list[tuple[Schema, Schema]] = []

        def take(match: Callable[[Schema, Schema], bool]) -> None:
            for a in list(old_left):
                for b in new_left:
                    if match(a, b):
                        pairs.append((a, b))
                        old_left.remove(a)
                        new_left.remove(b)
                        break

        take(lambda a, b: shapes.component(a) is not None and _same_component(a, b))
        take(lambda a, b: self._type(a, self.old) == self._type(b, self.new))
        wider = _WIDER[direction]
        take(lambda a, b: (self._type(a, self.old), self._type(b, self.new)) == wider)
        return pairs, old_left, new_left

    def _single(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        ot, nt = shapes.kind_of(old), shapes.kind_of(new)
        if ot != nt:
            if ot is None:
                if direction == REQUEST:
                    self._emit(BREAKING, loc, f"{subject} accepted any value and now only {nt}")
                else:
                    self._emit(CHANGED, loc, f"{subject} is always {nt} now")
                return
            elif nt is None:
                if direction == REQUEST:
                    self._emit(CHANGED, loc, f"{subject} accepts any value now (was {ot})")
                else:
                    self._emit(BREAKING, loc, f"{subject} may now be any value (was {ot})")
                return
            elif (ot, nt) == _WIDER[direction]:
                self._emit(CHANGED, loc, f"{subject} is {nt} now (was {ot})")
            else:
                self._emit(BREAKING, loc, f"{subject} changed type from {ot} to {nt}")
                return
        self._enum(old, new, direction, loc, subject)
        self._bounds(old, new, direction, loc, subject)
        self._shapes(old, new, direction, loc, subject)
        if nt == "object" or "properties" in old or "properties" in new:
            self._object(old, new, direction, loc, subject)
        if nt == "array":
            self._array(old, new, direction, loc, subject)

    def _enum(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        oe, ne = shapes.enum_values(old), shapes.enum_values(new)
        if oe == ne:
            return
        where = f"{loc}/enum"
        if oe is None or ne is None:
            listed = ", ".join(shapes.show(v) for v in (ne or oe or ()))
            if ne is not None and direction == REQUEST:
                self._emit(BREAKING, where, f"{subject} now accepts only {listed}")
            elif ne is not None:
                self._emit(CHANGED, where, f"{subject} is always one of {listed} now")
            elif direction == REQUEST:
                self._emit(CHANGED, where, f"{subject} is no longer limited to {listed}")
            else:
                self._emit(BREAKING, where, f"{subject} may now return values beyond {listed}")
            return
        old_keys, new_keys = {shapes.value_key(v) for v in oe}, {shapes.value_key(v) for v in ne}
        gone = [v for v in oe if shapes.value_key(v) not in new_keys]
        came = [v for v in ne if shapes.value_key(v) not in old_keys]
        for v in gone:
            if direction == REQUEST:
                self._emit(BREAKING, where, f"{subject} no longer accepts {shapes.show(v)}")
            else:
                self._emit(CHANGED, where, f"{subject} no longer returns {shapes.show(v)}")
        for v in came:
            if direction == REQUEST:
                self._emit(ADDED, where, f"{subject} accepts {shapes.show(v)}")
            else:
                self._emit(
                    BREAKING,
                    where,
                    f"{subject} may now return {shapes.show(v)}, a value clients built on the old "
                    "list do not know",
                )

    def _bounds(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        for name in (*_UPPER, *_LOWER):
            o, n = old.get(name), new.get(name)
            if o == n:
                continue
            if not all(v is None or shapes.is_number(v) for v in (o, n)):
                self._emit(BREAKING, f"{loc}/{name}", f"{subject}: {name} changed")
                continue
            if name in _UPPER:
                tighter = n is not None and (o is None or n < o)
            else:
                tighter = n is not None and (o is None or n > o)
            before = "none" if o is None else shapes.show(o)
            now = "none" if n is None else shapes.show(n)
            text = f"{subject}: {name} is {now} now (was {before})"
            if direction == REQUEST and tighter:
                self._emit(BREAKING, f"{loc}/{name}", f"{text}; values accepted before are refused")
            elif direction == RESPONSE and not tighter:
                self._emit(BREAKING, f"{loc}/{name}", f"{text}; returned values may exceed it")
            else:
                self._emit(CHANGED, f"{loc}/{name}", text)

    def _shapes(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        for name in _SHAPES:
            o, n = old.get(name), new.get(name)
            if o == n:
                continue
            text = f"{subject}: {name} is {shapes.show(n)} now (was {shapes.show(o)})"
            risky = n is not None if direction == REQUEST else o is not None
            self._emit(BREAKING if risky else CHANGED, f"{loc}/{name}", text)

    def _object(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        added = [p for p in new_props if p not in old_props]
        for name, schema in old_props.items():
            what, where = shapes.child(subject, name), f"{loc}/properties/{escape(name)}"
            if name in new_props:
                if direction == REQUEST and name in new_req and name not in old_req:
                    self._emit(BREAKING, where, f"{what} is required now")
                if direction == RESPONSE and name in old_req and name not in new_req:
                    self._emit(BREAKING, where, f"{what} is no longer always present")
                self.compare(schema, new_props[name], direction, where, what)
                continue
            hint = self._renamed(schema, {p: new_props[p] for p in added})
            if direction == RESPONSE:
                self._emit(BREAKING, where, f"{what} was removed from the response{hint}")
            elif new.get("additionalProperties") is False:
                self._emit(
                    BREAKING,
                    where,
                    f"{what} was removed{hint}: unknown fields are refused, so clients that "
                    "still send it get 422",
                )
            else:
                self._emit(CHANGED, where, f"{what} was removed{hint}: it is ignored now")
        for name in added:
            what, where = shapes.child(subject, name), f"{loc}/properties/{escape(name)}"
            if direction == RESPONSE:
                self._emit(ADDED, where, f"new response field {what}")
            elif name in new_req:
                self._emit(BREAKING, where, f"new required request field {what}")
            else:
                self._emit(ADDED, where, f"new optional request field {what}")
        self._additional(old, new, direction, loc, subject)

    def _additional(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        oa, na = old.get("additionalProperties"), new.get("additionalProperties")
        where = f"{loc}/additionalProperties"
        if isinstance(oa, Mapping) and isinstance(na, Mapping):
            self.compare(oa, na, direction, where, shapes.child(subject, "*"))
        elif direction == REQUEST and na is False and oa is not False:
            self._emit(BREAKING, where, f"{subject} refuses unknown fields now")
        elif direction == REQUEST and isinstance(na, Mapping) and oa in (None, True):
            self._emit(BREAKING, where, f"{subject} constrains its extra keys now")
        elif direction == RESPONSE and isinstance(oa, Mapping) and na is True:
            self._emit(BREAKING, where, f"{subject} may now hold values of any type")

    def _array(self, old: Schema, new: Schema, direction: str, loc: str, subject: str) -> None:
        oi, ni = old.get("items"), new.get("items")
        if isinstance(oi, Mapping) and isinstance(ni, Mapping):
            self.compare(oi, ni, direction, f"{loc}/items", shapes.child(subject, "[]"))
        op, np = old.get("prefixItems", []), new.get("prefixItems", [])
        for i, (a, b) in enumerate(zip(op, np, strict=False)):
            self.compare(a, b, direction, f"{loc}/prefixItems/{i}", shapes.child(subject, f"[{i}]"))
        if len(op) != len(np):
            self._emit(
                BREAKING,
                f"{loc}/prefixItems",
                f"{subject} has {len(np)} positions now (was {len(op)})",
            )

    # -- helpers needing a document -------------------------------------------------------

    def _type(self, schema: Schema, doc: Mapping[str, Any]) -> str | None:
        return shapes.kind_of(self.resolve(schema, doc))

    def _describe(self, schema: Schema, doc: Mapping[str, Any]) -> str:
        name = shapes.component(schema)
        if name:
            return f"`{name}`"
        return self._type(schema, doc) or "any value"

    def _renamed(self, schema: Schema, added: Mapping[str, Schema]) -> str:
        """`` (renamed to `x`?)`` when exactly one new field has the removed one's schema."""
        same = [p for p, s in added.items() if shapes.bare(s) == shapes.bare(schema)]
        return f" (renamed to `{same[0]}`?)" if len(same) == 1 else ""


def _same_component(a: Schema, b: Schema) -> bool:
    return shapes.component(a) == shapes.component(b)
