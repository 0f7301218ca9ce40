"""A property-based fuzz of the API from its own OpenAPI description: no answer is a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

# Per operation. Each example is one HTTP request to the running API.
EXAMPLES = 60


def test_no_input_is_a_server_error(api_url: str) -> None:
    schema = schemathesis.openapi.from_url(api_url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/articles", "/articles/{article_id}", "/stories", "/feed", "/stats"}
    statuses: list[int] = []
    for operation in operations:
        # POST /articles is fuzzed too: without the token (never guessed) it must answer 401 or 422.
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers(case: schemathesis.Case) -> None:
            response = case.call()
            statuses.append(response.status_code)
            assert response.status_code < 500, (case.as_curl_command(), response.text)

        answers()
    assert len(statuses) >= 10 * len(operations) and {200, 422} <= set(statuses)
