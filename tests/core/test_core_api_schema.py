"""schemathesis against the OpenAPI schema: no server error, no response that breaks the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qorgau.core.config import Settings

pytestmark = pytest.mark.slow
# What the platform promises: no 5xx, and every response (errors included) as documented. Business
# rules (a BIN's check digit, known scopes) may refuse schema-valid input with a documented 422.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def _signed_in_app(demo_url, tmp_path):
    from sqlalchemy import select

    from qorgau.app.web import create_app
    from qorgau.core import security
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User

    with unit_of_work(demo_url) as session:
        admin = session.execute(select(User).where(User.username == "admin")).scalar_one()
        _token, plain = security.create_api_token(session, user=admin, scopes=["read", "write"])
    app = create_app(Settings(database_url=demo_url, data_dir=tmp_path, secret_key="k", data_key="d"))
    return app, plain


def test_api_conforms_to_its_schema(demo_url, tmp_path):
    app, token = _signed_in_app(demo_url, tmp_path)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures = []
    for operation in schema.get_all_operations():
        op = operation.ok()
        if op.method.upper() == "DELETE":
            continue  # revoking our own token would end the run early

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def check(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            case.call_and_validate(checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # collect every operation's failure
            failures.append(f"{op.method.upper()} {op.path}: {str(error)[:600]}")
    assert not failures, "\n\n".join(failures)
