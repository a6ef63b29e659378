"""Contract tests (issue 7, point 5; invariant 7): schemathesis against the OpenAPI document of a
live test server, authenticated as an administrator API client. For every operation it sends
valid and invalid requests and holds each answer to the document: no 5xx, every body matches
the schema of its status, every status is one the operation documents.

The run goes through schemathesis's engine (what its CLI runs), not ``@schema.parametrize``:
the document only exists once the live server does, and schemathesis's fixture-based pytest
loader does not work with pytest 9.2 (it writes ``Node._nodeid``, which pytest 9.2 removed).
No operation is excluded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from schemathesis import engine
from schemathesis.engine import events

from tests.contract.conftest import CHECKS, Principal, bearer_of, contract_config


@dataclass
class Problem:
    operation: str
    check: str
    title: str
    status: int | None
    message: str
    reproduce: str

    def __str__(self) -> str:
        message = self.message if len(self.message) < 1500 else self.message[:1500] + " ..."
        return (
            f"{self.operation}: {self.check} ({self.title}), status {self.status}\n"
            f"{message}\n{self.reproduce}"
        )


@dataclass
class Run:
    problems: list[Problem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: Counter[int | None] = field(default_factory=Counter)
    exercised: set[str] = field(default_factory=set)
    answered_2xx: set[str] = field(default_factory=set)
    first: dict[int, str] = field(default_factory=dict)  # where a 401 or 429 began
    order: list[str] = field(default_factory=list)  # operations in the order they ran

    def report(self) -> str:
        seen: set[tuple[str, str, str]] = set()
        lines = []
        for p in self.problems:  # one example per operation, check and kind of failure
            if (p.operation, p.check, p.title) not in seen:
                seen.add((p.operation, p.check, p.title))
                lines.append(str(p))
        return "\n\n".join([*lines, *self.errors])


def run_contract(schema: Any) -> Run:
    """Run every phase the schema's config enables and collect what failed, and how."""
    run = Run()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            run.exercised.add(recorder.label)
            run.order.append(f"{event.phase}:{recorder.label}")
            for case_id, interaction in recorder.interactions.items():
                status = interaction.response.status_code if interaction.response else None
                run.statuses[status] += 1
                if status in (401, 429) and status not in run.first:
                    run.first[status] = f"{recorder.label}, after {run.order[-6:-1]}"
                if status is not None and 200 <= status < 300:
                    run.answered_2xx.add(recorder.label)
                for check in recorder.checks.get(case_id, []):
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        run.problems.append(
                            Problem(
                                operation=recorder.label,
                                check=check.name,
                                title=failure.title,
                                status=status,
                                message=failure.message,
                                reproduce=check.failure_info.code_sample,
                            )
                        )
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
    return run


def operation_labels(schema: Any) -> set[str]:
    return {result.ok().label for result in schema.get_all_operations()}


def list_labels(schema: Any) -> set[str]:
    """GET operations that need no parameter: a valid request is any request."""
    return {
        op.label
        for op in (result.ok() for result in schema.get_all_operations())
        if op.method.lower() == "get"
        and not any(p.get("required") for p in op.definition.raw.get("parameters", []))
    }


def test_every_operation_answers_within_its_documented_contract(live_schema: Any) -> None:
    run = run_contract(live_schema)

    assert not run.problems and not run.errors, f"\n{run.report()}"
    assert run.exercised == operation_labels(live_schema)
    # Proof that the run was authenticated and not throttled: otherwise every answer would be a
    # conforming 401 or 429, and the run would prove nothing.
    assert run.statuses[401] == 0, f"the run's API key was refused from {run.first.get(401)}"
    assert run.statuses[429] == 0, f"the run was rate-limited from {run.first.get(429)}"
    lists = list_labels(live_schema)
    assert lists <= run.answered_2xx, f"never answered 2xx: {sorted(lists - run.answered_2xx)}"


def test_the_run_reports_answers_that_break_the_document(
    principal: Principal, live_server: Any
) -> None:
    """The harness is not vacuous: against a document altered to contradict the server (a list
    documented as an object, a 404 left undocumented), both checks fail with the operation."""
    import schemathesis

    document = httpx.get(
        f"{live_server.url}/api/v1/openapi.json",
        cookies={"sessionid": principal.session},
        timeout=120,
    ).json()
    uoms = document["paths"]["/api/v1/catalog/uoms"]
    uoms["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "object"}
    document["paths"]["/api/v1/catalog/uoms/{uom_id}"]["get"]["responses"].pop("404")
    document["paths"] = {
        path: {"get": ops["get"]}
        for path, ops in document["paths"].items()
        if path in ("/api/v1/catalog/uoms", "/api/v1/catalog/uoms/{uom_id}")
    }
    config = contract_config(principal, max_examples=5, base_url=live_server.url)
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.auth()(bearer_of(principal))

    run = run_contract(schema)

    failed = {(p.operation, p.check) for p in run.problems}
    assert ("GET /api/v1/catalog/uoms", "response_schema_conformance") in failed
    assert ("GET /api/v1/catalog/uoms/{uom_id}", "status_code_conformance") in failed
    assert {check for _op, check in failed} <= set(CHECKS)
