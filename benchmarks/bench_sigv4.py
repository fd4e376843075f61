"""Signing cost per request, in microseconds (median of repeats).

    python benchmarks/bench_sigv4.py [--number 2000] [--repeat 7]

Three figures for a DescribeTrainingJob-sized request (about 40 bytes of JSON):

- ``botocore SigV4Auth``: ``AWSRequest`` + ``SigV4Auth.add_auth`` alone (the floor);
- ``SigV4Transport.sign``: what the transport does per attempt (freeze credentials, copy
  headers, sign, build the outgoing ``httpx.Request``);
- ``handle_request (no I/O)``: the whole transport round trip with an inner transport that
  answers at once (body read, signing, response bookkeeping) - the client-side overhead
  SigV4 adds to one call.
"""

from __future__ import annotations

import argparse
import statistics
import timeit

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from arazzo.aws import AwsCredentials, SigV4Transport

URL = "https://api.sagemaker.us-east-1.amazonaws.com/"
BODY = b'{"TrainingJobName": "train-then-deploy-2024-01-01"}'
HEADERS = {"X-Amz-Target": "SageMaker.DescribeTrainingJob",
           "Content-Type": "application/x-amz-json-1.1"}


class _Instant(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}")


def _median_us(func: object, number: int, repeat: int) -> float:
    runs = timeit.repeat(func, number=number, repeat=repeat)  # type: ignore[arg-type]
    return statistics.median(runs) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    creds = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    def botocore_only() -> None:
        request = AWSRequest(method="POST", url=URL, data=BODY, headers=dict(HEADERS))
        SigV4Auth(creds, "sagemaker", "us-east-1").add_auth(request)

    transport = SigV4Transport(_Instant(), credentials=AwsCredentials(
        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    core = transport._core
    request = httpx.Request("POST", URL, content=BODY, headers=HEADERS)

    def transport_sign() -> None:
        core.sign(request, BODY, core.resolver.frozen())

    def handle_request() -> None:
        transport.handle_request(httpx.Request("POST", URL, content=BODY, headers=HEADERS))

    results = {
        "botocore SigV4Auth": _median_us(botocore_only, args.number, args.repeat),
        "SigV4Transport.sign": _median_us(transport_sign, args.number, args.repeat),
        "handle_request (no I/O)": _median_us(handle_request, args.number, args.repeat),
    }
    width = max(len(name) for name in results)
    print(f"median of {args.repeat} x {args.number} calls, microseconds per request")
    for name, value in results.items():
        print(f"  {name:<{width}}  {value:8.1f} us")


if __name__ == "__main__":
    main()
