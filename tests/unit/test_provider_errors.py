"""The shared SDK-error mapping, fed each SDK's own exception objects (no server needed)."""

from __future__ import annotations

from types import ModuleType

import anthropic
import httpx2  # the HTTP library both SDKs build their exceptions on
import openai
import pytest

from worker.errors import ProviderRejected, ProviderUnavailable
from worker.providers import anthropic as anthropic_provider
from worker.providers import openai as openai_provider
from worker.providers.errors import SdkErrors, provider_error

SDKS = [
    pytest.param(anthropic, anthropic_provider.SDK_ERRORS, "request-id", id="anthropic"),
    pytest.param(openai, openai_provider.SDK_ERRORS, "x-request-id", id="openai"),
]
REQUEST = httpx2.Request("POST", "http://model.test/v1/x")


def status_error(sdk: ModuleType, status: int, headers: dict[str, str]) -> Exception:
    response = httpx2.Response(status, headers=headers, request=REQUEST)
    err: Exception = sdk.APIStatusError("boom", response=response, body=None)
    return err


@pytest.mark.parametrize(("sdk", "errors", "rid_header"), SDKS)
@pytest.mark.parametrize("status", [408, 409, 429, 500, 503, 529])
def test_transient_statuses_are_unavailable_with_retry_after(sdk: ModuleType, errors: SdkErrors, rid_header: str, status: int) -> None:
    out = provider_error(status_error(sdk, status, {"retry-after": "3", rid_header: "req_1"}), "p", errors)
    assert isinstance(out, ProviderUnavailable)
    assert (out.status, out.retry_after, out.request_id, out.provider) == (status, 3.0, "req_1", "p")
    assert str(out) == f"p HTTP {status}: boom"


@pytest.mark.parametrize(("sdk", "errors", "rid_header"), SDKS)
def test_retry_after_ms_wins_and_absent_is_none(sdk: ModuleType, errors: SdkErrors, rid_header: str) -> None:
    with_ms = provider_error(status_error(sdk, 429, {"retry-after-ms": "1500", "retry-after": "9"}), "p", errors)
    without = provider_error(status_error(sdk, 500, {}), "p", errors)
    assert isinstance(with_ms, ProviderUnavailable) and with_ms.retry_after == 1.5
    assert isinstance(without, ProviderUnavailable) and without.retry_after is None and without.request_id is None


@pytest.mark.parametrize(("sdk", "errors", "rid_header"), SDKS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_rejected(sdk: ModuleType, errors: SdkErrors, rid_header: str, status: int) -> None:
    out = provider_error(status_error(sdk, status, {"retry-after": "3", rid_header: "req_2"}), "p", errors)
    assert type(out) is ProviderRejected
    assert (out.status, out.request_id) == (status, "req_2")


@pytest.mark.parametrize(("sdk", "errors", "rid_header"), SDKS)
def test_connection_errors_and_timeouts_are_unavailable(sdk: ModuleType, errors: SdkErrors, rid_header: str) -> None:
    for exc, name in ((sdk.APIConnectionError(request=REQUEST), "APIConnectionError"), (sdk.APITimeoutError(request=REQUEST), "APITimeoutError")):
        out = provider_error(exc, "p", errors)
        assert isinstance(out, ProviderUnavailable)
        assert str(out) == f"p unreachable: {name}" and out.status is None and out.retry_after is None


@pytest.mark.parametrize(("sdk", "errors", "rid_header"), SDKS)
def test_anything_else_is_rejected_as_unusable(sdk: ModuleType, errors: SdkErrors, rid_header: str) -> None:
    out = provider_error(sdk.APIResponseValidationError(httpx2.Response(200, request=REQUEST), body=None), "p", errors)
    assert type(out) is ProviderRejected and str(out).startswith("p response unusable:")
    assert len(str(provider_error(ValueError("x" * 1000), "p", errors))) == 300
