"""What `mercado-local` says when it cannot start."""

import requests

from mercado_local.cli import _why


def refused(status: int, body: str) -> requests.HTTPError:
    answer = requests.Response()
    answer.status_code, answer._content, answer.url = status, body.encode(), "http://x/api/orders"
    return requests.HTTPError(f"{status} Client Error for url: {answer.url}", response=answer)


def test_a_refusal_is_shown_with_the_problem_the_service_answered():
    problem = '{"code":"validation_failed","errors":[{"field":"products.0.price"}]}'
    shown = _why(refused(422, problem))
    assert shown.startswith("422 Client Error for url: http://x/api/orders: ")
    assert shown.endswith(problem)


def test_other_errors_are_shown_as_they_are():
    assert _why(OSError("address in use")) == "address in use"
    assert _why(requests.ConnectionError("refused")) == "refused"
