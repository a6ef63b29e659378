"""Classify every difference between two OpenAPI 3.1 documents as breaking or not (issue 7 §4).

A change is **breaking** when a client written against the old document can fail against the new
server. Requests flow from client to server, so the new server must accept everything the old one
accepted: the accepted set may only grow. Responses flow the other way, so everything the new
server can return must have been valid under the old document: the returned set may only shrink.
One convention softens the response rule: clients ignore response fields they do not know, so a
new response field is an addition (docs/api.md says so to integrators).

Consequences worth naming:

* a new enum value is an addition in a request and **breaking in a response**: an OpenAPI enum is
  a closed set, and generated clients (Java, TypeScript, Go enums) fail to deserialise a value
  they were not built with; an integrator's exhaustive ``switch`` meets a case it never handled.
  Announcing a new state therefore needs ``--breaking-ok`` and a changelog line;
* a request field removed from a ``StrictIn`` body (``additionalProperties: false``) is breaking,
  because the clients that still send it now get 422; from a lenient body it is only ignored;
* a response field made optional or nullable is breaking (consumers relied on it being there);
* bounds (``maxLength``, ``minimum`` ...), ``pattern`` and ``format`` follow the two directions:
  a tighter request bound or a looser response bound is breaking;
* ``$ref`` is followed on both sides and a component is compared once per direction; a renamed
  component is not a change (names are not on the wire), and its findings name the operations
  that use it;
* a path parameter renamed in place (``/lots/{id}`` -> ``/lots/{lot_id}``) is the same URL.

The result is a list of :class:`Finding`, breaking ones first, each with a JSON-pointer-like
location in the new document (in the old one for what was removed) and a sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mederp.core.apicontract.findings import (
    ADDED,
    BREAKING,
    CHANGED,
    REQUEST,
    RESPONSE,
    SEVERITIES,
    Finding,
    escape,
)
from mederp.core.apicontract.schemas import SchemaComparator

__all__ = ["ADDED", "BREAKING", "CHANGED", "Finding", "breaking", "compare", "normalise"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Doc = Mapping[str, Any]


def compare(old: Doc, new: Doc) -> list[Finding]:
    """Every difference from ``old`` to ``new`` that a client can observe, breaking ones first."""
    old = normalise(old)
    new = normalise(new)
    checker = _Documents(old, new)
    checker.run()
    findings = checker.findings + checker.schemas.component_findings()
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(set(findings), key=lambda f: (order[f.severity], f.location, f.message))


def normalise(doc: Doc) -> dict[str, Any]:
    """The document as JSON sees it (ninja's schema has integer status codes until dumped)."""
    return json.loads(json.dumps(doc, sort_keys=True, default=str))


def breaking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.breaking]


_PARAM = re.compile(r"\{[^}]*\}")


def _template(path: str) -> str:
    """``/lots/{lot_id}`` -> ``/lots/{}``: the URL a client builds, whatever the names."""
    return _PARAM.sub("{}", path)


def _path_names(path: str) -> list[str]:
    return [m.group(0)[1:-1] for m in _PARAM.finditer(path)]


class _Documents:
    """Walks paths, operations, parameters, bodies and responses; schemas go to the comparator."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.findings: list[Finding] = []
        self.schemas = SchemaComparator(old, new, self._emit)
        self.op = ""  # the operation being compared ("GET /api/v1/..."), for the messages

    def _emit(self, severity: str, location: str, message: str) -> None:
        self.findings.append(Finding(severity, location, message, operation=self.op))

    def run(self) -> None:
        old_paths = {_template(p): p for p in self.old.get("paths", {})}
        new_paths = {_template(p): p for p in self.new.get("paths", {})}
        for key, path in old_paths.items():
            if key not in new_paths:
                ops = ", ".join(m.upper() for m in self.old["paths"][path] if m in METHODS)
                self._emit(BREAKING, f"/paths/{escape(path)}", f"path {path} ({ops}) was removed")
        for key, path in new_paths.items():
            if key not in old_paths:
                ops = ", ".join(m.upper() for m in self.new["paths"][path] if m in METHODS)
                self._emit(ADDED, f"/paths/{escape(path)}", f"new path {path} ({ops})")
            else:
                self._path(old_paths[key], path)
        self._security_schemes()

    def _path(self, old_path: str, new_path: str) -> None:
        old_item, new_item = self.old["paths"][old_path], self.new["paths"][new_path]
        for method in METHODS:
            label = f"{method.upper()} {new_path}"
            loc = f"/paths/{escape(new_path)}/{method}"
            self.op = label
            if method in old_item and method not in new_item:
                self._emit(BREAKING, loc, f"{label} was removed")
            elif method in new_item and method not in old_item:
                self._emit(ADDED, loc, f"new operation {label}")
            elif method in new_item:
                self.schemas.operation = label
                old_op, new_op = old_item[method], new_item[method]
                self._parameters(old_path, old_item, old_op, new_path, new_item, new_op, loc)
                self._request_body(old_op.get("requestBody"), new_op.get("requestBody"), loc)
                self._responses(old_op.get("responses", {}), new_op.get("responses", {}), loc)
                self._operation_flags(old_op, new_op, loc)
        self.schemas.operation = self.op = ""

    def _parameters(
        self,
        old_path: str,
        old_item: Mapping[str, Any],
        old_op: Mapping[str, Any],
        new_path: str,
        new_item: Mapping[str, Any],
        new_op: Mapping[str, Any],
        loc: str,
    ) -> None:
        old = self._params(old_path, old_item, old_op, self.old)
        new = self._params(new_path, new_item, new_op, self.new)
        for key, param in old.items():
            if key not in new:
                self._emit(
                    BREAKING,
                    f"{loc}/parameters/{escape(key[0])}/{escape(param['name'])}",
                    f"{self.op}: {key[0]} parameter `{param['name']}` was removed; "
                    "clients that send it have it ignored",
                )
        for key, param in new.items():
            where = f"{loc}/parameters/{escape(key[0])}/{escape(param['name'])}"
            what = f"{key[0]} parameter `{param['name']}`"
            if key not in old:
                if param.get("required"):
                    self._emit(BREAKING, where, f"{self.op}: new required {what}")
                else:
                    self._emit(ADDED, where, f"{self.op}: new optional {what}")
                continue
            before = old[key]
            if param.get("required") and not before.get("required"):
                self._emit(BREAKING, where, f"{self.op}: {what} is now required")
            self.schemas.compare(
                before.get("schema", {}), param.get("schema", {}), REQUEST, f"{where}/schema", what
            )

    def _params(
        self, path: str, item: Mapping[str, Any], op: Mapping[str, Any], doc: Doc
    ) -> dict[tuple[str, str], Mapping[str, Any]]:
        """Parameters by (in, name); path parameters by position, since names are not sent."""
        names = _path_names(path)
        out: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
            param = self.schemas.resolve(raw, doc)
            where = param.get("in", "query")
            name = param.get("name", "")
            if where == "path" and name in names:
                out[("path", f"#{names.index(name)}")] = param
            else:
                out[(where, name.lower() if where == "header" else name)] = param
        return out

    def _request_body(self, old: Any, new: Any, loc: str) -> None:
        where = f"{loc}/requestBody"
        if old is None and new is None:
            return
        if old is None:
            required = bool(new.get("required"))
            sev, text = (BREAKING, "now requires") if required else (ADDED, "now accepts")
            self._emit(sev, where, f"{self.op} {text} a request body")
            return
        if new is None:
            self._emit(BREAKING, where, f"{self.op} no longer reads a request body")
            return
        if new.get("required") and not old.get("required"):
            self._emit(BREAKING, where, f"{self.op}: the request body is now required")
        for media, old_content, new_content in self._media(old, new, where, REQUEST):
            self.schemas.compare(
                old_content.get("schema", {}),
                new_content.get("schema", {}),
                REQUEST,
                f"{where}/content/{escape(media)}/schema",
                "request body `$`",
            )

    def _responses(self, old: Mapping[str, Any], new: Mapping[str, Any], loc: str) -> None:
        for status in old:
            if status not in new:
                self._emit(
                    BREAKING,
                    f"{loc}/responses/{escape(status)}",
                    f"{self.op} no longer answers {status}: clients that handle it miss it",
                )
        for status, response in new.items():
            where = f"{loc}/responses/{escape(status)}"
            if status not in old:
                self._emit(ADDED, where, f"{self.op} may answer {status}")
                continue
            before = self.schemas.resolve(old[status], self.old)
            after = self.schemas.resolve(response, self.new)
            if before.get("content") and not after.get("content"):
                self._emit(BREAKING, where, f"{self.op}: the {status} response has no body now")
                continue
            for media, old_content, new_content in self._media(before, after, where, RESPONSE):
                self.schemas.compare(
                    old_content.get("schema", {}),
                    new_content.get("schema", {}),
                    RESPONSE,
                    f"{where}/content/{escape(media)}/schema",
                    f"{status} response `$`",
                )

    def _media(
        self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, direction: str
    ) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
        old_content, new_content = old.get("content", {}), new.get("content", {})
        for media in old_content:
            if media not in new_content:
                self._emit(
                    BREAKING,
                    f"{where}/content/{escape(media)}",
                    f"{self.op}: the {direction} is no longer {media}",
                )
        for media in new_content:
            if media not in old_content:
                self._emit(
                    ADDED, f"{where}/content/{escape(media)}", f"{self.op}: {direction} as {media}"
                )
            else:
                yield media, old_content[media], new_content[media]

    def _operation_flags(self, old: Mapping[str, Any], new: Mapping[str, Any], loc: str) -> None:
        if bool(old.get("deprecated")) != bool(new.get("deprecated")):
            state = "is deprecated" if new.get("deprecated") else "is no longer deprecated"
            self._emit(CHANGED, f"{loc}/deprecated", f"{self.op} {state}")
        old_auth = self._auth(old, self.old)
        new_auth = self._auth(new, self.new)
        for scheme in sorted(old_auth - new_auth):
            text = "now requires authentication" if not scheme else f"no longer accepts {scheme}"
            self._emit(BREAKING, f"{loc}/security", f"{self.op} {text}")
        for scheme in sorted(new_auth - old_auth):
            text = "accepts anonymous calls" if not scheme else f"also accepts {scheme}"
            self._emit(ADDED, f"{loc}/security", f"{self.op} {text}")

    @staticmethod
    def _auth(op: Mapping[str, Any], doc: Doc) -> set[str]:
        """Each alternative way in, as the names of its schemes (``""``: anonymous)."""
        requirements = op.get("security", doc.get("security", [{}]))
        return {" + ".join(sorted(req)) for req in requirements}

    def _security_schemes(self) -> None:
        old = self.old.get("components", {}).get("securitySchemes", {})
        new = self.new.get("components", {}).get("securitySchemes", {})
        for name, scheme in old.items():
            where = f"/components/securitySchemes/{escape(name)}"
            if name not in new:
                self._emit(BREAKING, where, f"security scheme {name} was removed")
            elif _significant(new[name]) != _significant(scheme):
                self._emit(BREAKING, where, f"security scheme {name} changed")
        for name in new:
            if name not in old:
                where = f"/components/securitySchemes/{escape(name)}"
                self._emit(ADDED, where, f"new security scheme {name}")


def _significant(scheme: Mapping[str, Any]) -> dict[str, Any]:
    """What a client configures from a security scheme; descriptions may change freely."""
    return {k: v for k, v in scheme.items() if k in ("type", "scheme", "in", "name", "flows")}
