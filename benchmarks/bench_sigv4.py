"""Signing cost per request, in microseconds (median of repeats).

    python benchmarks/bench_sigv4.py [--number 2000] [--repeat 7]

Figures for a DescribeTrainingJob-sized request (about 40 bytes of JSON):

- ``botocore SigV4Auth``: ``AWSRequest`` + ``SigV4Auth.add_auth`` alone (what the transport
  signed with before it had a signer of its own);
- ``SigV4Signer.sign``: arazzo's signer alone, as the transport calls it per attempt (URL
  plan, frozen credentials);
- ``send_spec (no I/O)``: what a run pays per signed request over the project's client
  (``send_sync`` -> ``SigV4Transport.send_spec``), with a client that answers at once;
- ``send over the client (no I/O)``: the same request unsigned through that client: the
  difference is what signing adds to a run's request;
- ``SigV4Transport.sign`` (httpx): signing an ``httpx.Request`` (the httpx-transport path);
- ``handle_request (no I/O)``: the whole httpx-transport round trip with an inner transport
  that answers at once.
"""

from __future__ import annotations

import argparse
import statistics
import timeit
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from arazzo.aws import AwsCredentials, SigV4Transport
from arazzo.aws._sigv4 import SigV4Signer, plan_url
from arazzo.engine._messages import Headers, RequestSpec, ResponseData
from arazzo.transports._client import HTTPClient, _split
from arazzo.transports._httpx import send_sync, with_user_agent

URL = "https://api.sagemaker.us-east-1.amazonaws.com/"
BODY = b'{"TrainingJobName": "train-then-deploy-2024-01-01"}'
HEADERS = {"X-Amz-Target": "SageMaker.DescribeTrainingJob",
           "Content-Type": "application/x-amz-json-1.1"}
KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
_ANSWER = ResponseData(200, Headers([("Content-Type", "application/x-amz-json-1.1")]), b"{}",
                       0.0)


class _Instant(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}")


class _InstantClient(HTTPClient):
    """The project's client with the socket taken out: it still writes the request head."""

    def send(self, request: RequestSpec, *, timeout: float, max_bytes: int, url: str = "",
             headers: list[tuple[str, str]] | None = None,
             extra_headers: list[tuple[str, str]] | None = None,
             ) -> ResponseData:
        from arazzo.transports._client import _head

        _, _, _, host, target = _split(request.url)
        _head(request.method, target, host, request.headers if headers is None else headers,
              request.content, extra_headers)
        return _ANSWER


def _median_us(func: Any, number: int, repeat: int) -> float:
    runs = timeit.repeat(func, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    creds = Credentials(*KEY)

    def botocore_only() -> None:
        request = AWSRequest(method="POST", url=URL, data=BODY, headers=dict(HEADERS))
        SigV4Auth(creds, "sagemaker", "us-east-1").add_auth(request)

    signer = SigV4Signer("sagemaker", "us-east-1")
    ours = AwsCredentials(*KEY)
    run_headers = with_user_agent(list(HEADERS.items()))

    def signer_only() -> None:
        signer.sign("POST", plan_url(URL, _split), run_headers, BODY,
                    ours.get_frozen_credentials())

    client = _InstantClient()
    spec_transport = SigV4Transport(client, credentials=ours)
    spec = RequestSpec("aws", "POST", URL, list(HEADERS.items()), BODY)

    def send_spec() -> None:
        send_sync(spec_transport, spec, timeout=30, max_bytes=1 << 20, url=URL)

    def unsigned() -> None:
        client.send(spec, timeout=30, max_bytes=1 << 20, url=URL,
                    headers=with_user_agent(spec.headers))

    transport = SigV4Transport(_Instant(), credentials=ours)
    core = transport._core
    request = httpx.Request("POST", URL, content=BODY, headers=HEADERS)

    def transport_sign() -> None:
        core.sign(request, BODY, core.resolver.frozen())

    def handle_request() -> None:
        transport.handle_request(httpx.Request("POST", URL, content=BODY, headers=HEADERS))

    results = {
        "botocore SigV4Auth": _median_us(botocore_only, args.number, args.repeat),
        "SigV4Signer.sign": _median_us(signer_only, args.number, args.repeat),
        "send_spec (no I/O)": _median_us(send_spec, args.number, args.repeat),
        "send over the client (no I/O)": _median_us(unsigned, args.number, args.repeat),
        "SigV4Transport.sign (httpx)": _median_us(transport_sign, args.number, args.repeat),
        "handle_request (no I/O)": _median_us(handle_request, args.number, args.repeat),
    }
    width = max(len(name) for name in results)
    print(f"median of {args.repeat} x {args.number} calls, microseconds per request")
    for name, value in results.items():
        print(f"  {name:<{width}}  {value:8.1f} us")


if __name__ == "__main__":
    main()
