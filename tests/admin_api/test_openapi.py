"""The OpenAPI document at ``/api/openapi.json`` tells the truth: schemathesis generates
requests for every operation against the running server (with the bootstrap key) and checks
that no answer is a 5xx and that every status, content type and body is the documented one.
Bounded (few examples per operation) to keep the suite fast."""

from __future__ import annotations

import os

import hypothesis
import schemathesis
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode

from admin_api.app import ENDPOINTS, OPENAPI_PATH
from gateway.openapi import PROXY_OPERATIONS
from tests.admin_api.support import Api
from tests.conftest import TEST_BOOTSTRAP_KEY
from tests.harness import RunningGateway

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_the_document_is_openapi_3_1_and_lists_every_endpoint(
    mail_gateway: RunningGateway,
) -> None:
    document = Api(mail_gateway).get(OPENAPI_PATH).json()
    assert document["openapi"] == "3.1.0"
    listed = {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}
    assert listed == {(e.method, e.path) for e in ENDPOINTS} | {
        (o.method, o.path) for o in PROXY_OPERATIONS
    }


def test_every_proxy_route_the_server_serves_is_described(mail_gateway: RunningGateway) -> None:
    """A front door added without its ``gateway.openapi`` entry fails here."""
    paths = Api(mail_gateway).get(OPENAPI_PATH).json()["paths"]
    served = {
        (route.method, route.resource.canonical)
        for route in mail_gateway.runner.app.router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and (
            route.resource.canonical.startswith("/v1/")
            or route.resource.canonical in ("/healthz", "/readyz", "/metrics", "/ws")
        )
    }
    assert served >= {("POST", "/v1/chat/completions"), ("GET", "/readyz"), ("GET", "/ws")}
    assert {(m, p) for m, p in served if m.lower() not in paths.get(p, {})} == set()


def test_the_proxy_routes_are_described_in_the_clients_own_shapes(
    mail_gateway: RunningGateway,
) -> None:
    document = Api(mail_gateway).get(OPENAPI_PATH).json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    chat = paths["/v1/chat/completions"]["post"]
    assert set(chat["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}
    assert chat["responses"]["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    messages = paths["/v1/messages"]["post"]
    assert {"anthropicKey": []} in messages["security"]
    error = messages["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
    assert schemas[error.rsplit("/", 1)[1]]["properties"]["type"] == {"const": "error"}
    assert paths["/healthz"]["get"]["security"] == []
    assert {"/v1/embeddings", "/v1/models", "/readyz", "/metrics", "/ws"} <= set(paths)


def test_the_document_shows_the_original_specs_shapes(mail_gateway: RunningGateway) -> None:
    paths = Api(mail_gateway).get(OPENAPI_PATH).json()["paths"]

    def query(path: str, method: str = "get") -> set[str]:
        return {p["name"] for p in paths[path][method]["parameters"] if p["in"] == "query"}

    for path in ("/api/decisions", "/api/v1/usage", "/api/v1/audit"):
        assert {"from", "to", "startTime", "endTime"} <= query(path), path
    for path in ("/api/v1/keys", "/api/v1/policies"):
        assert {"get", "post", "patch", "delete"} <= set(paths[path])
        assert "id" in query(path, "patch") and "id" in query(path, "delete")
        assert paths[path]["patch"]["requestBody"]["required"] is True
        assert paths[path]["delete"]["requestBody"]["required"] is False  # ?id= is enough


SETTINGS = hypothesis.settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


def test_the_server_keeps_to_its_document(mail_gateway: RunningGateway) -> None:
    schema = schemathesis.openapi.from_url(f"{mail_gateway.base_url}{OPENAPI_PATH}")
    headers = {"Authorization": f"Bearer {TEST_BOOTSTRAP_KEY}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(ENDPOINTS) + len(PROXY_OPERATIONS)
    for operation in operations:

        @SETTINGS
        @hypothesis.given(case=operation.as_strategy())
        def keeps_to_the_document(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            keeps_to_the_document()
        except Exception as error:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)


NEGATIVE = hypothesis.settings(SETTINGS, max_examples=int(os.environ.get("FUZZ_EXAMPLES", "4")))


def test_no_request_gets_a_5xx(mail_gateway: RunningGateway) -> None:
    """Issue #16: requests that break the document (wrong types, missing fields, bad query
    strings, bodies of the wrong shape) are refused with a 4xx, never a 5xx."""
    schema = schemathesis.openapi.from_url(f"{mail_gateway.base_url}{OPENAPI_PATH}")
    headers = {"Authorization": f"Bearer {TEST_BOOTSTRAP_KEY}"}
    failures: list[str] = []
    document = Api(mail_gateway).get(OPENAPI_PATH).json()
    # No parameters, no body, no credentials (/healthz...): nothing a request could break.
    inputless = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, op in operations.items()
        if not op["parameters"] and "requestBody" not in op and op.get("security") == []
    }
    for operation in (result.ok() for result in schema.get_all_operations()):
        if operation.label in inputless:
            continue

        @NEGATIVE
        @hypothesis.given(case=operation.as_strategy(GenerationMode.NEGATIVE))
        def never_a_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[checks.not_a_server_error])

        try:
            never_a_server_error()
        except Exception as error:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
