"""Property-based check of every API route against its own OpenAPI schema (schemathesis).

Generated requests, valid and invalid, go through the ASGI app with an admin key (the widget key
from an allowed origin on widget routes): no answer may be a 5xx, every status must be documented
and every JSON body must match its schema. It runs on a copy of the demo store, since admin calls
write. (schemathesis' pytest loader does not run under pytest 9, so operations are driven here.)
"""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from integrations.api import create_app
from tests.conftest import NOW
from tests.support.api import clone_data, derived_ctx, staff, widget

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 6


@pytest.fixture(scope="module")
def api_schema(demo_ctx, tmp_path_factory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("schemathesis")
    data = clone_data(demo_ctx, tmp / "data")
    base = AppContext.create(Settings(data_dir=data, _env_file=None))  # type: ignore[call-arg]
    app = create_app(derived_ctx(base, tmp), clock=lambda: NOW)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _strategy(op):  # type: ignore[no-untyped-def]
    modes = [op.as_strategy(GenerationMode.POSITIVE)]
    with contextlib.suppress(Exception):  # an operation without any parameter has no invalid form
        modes.append(op.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(*modes)


def _check(op, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    @given(case=_strategy(op))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run


def test_every_route_conforms_to_its_schema(api_schema) -> None:  # type: ignore[no-untyped-def]
    ops = [result.ok() for result in api_schema.get_all_operations()]
    assert len(ops) >= 30
    failures: dict[str, str] = {}
    for op in ops:
        headers = widget() if op.path.startswith("/v1/widget/") else staff("admin")

        run = _check(op, headers)
        try:
            run()
        except BaseException as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[f"{op.method.upper()} {op.path}"] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
