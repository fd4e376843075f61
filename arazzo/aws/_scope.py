"""Signing name (service) and region from an AWS endpoint host name."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["AwsScope", "infer_scope"]

# DNS suffixes of the AWS partitions (botocore endpoints.json) plus the dual-stack ones.
_SUFFIXES = (
    "amazonaws.com.cn",
    "api.amazonwebservices.com.cn",
    "amazonaws.com",
    "api.aws",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "cloud.adc-e.uk",
    "csp.hci.ic.gov",
    "amazonaws.eu",
)
_GLOBAL_REGION = {
    "amazonaws.com": "us-east-1",
    "api.aws": "us-east-1",
    "amazonaws.com.cn": "cn-north-1",
    "api.amazonwebservices.com.cn": "cn-north-1",
}
_REGION = re.compile(r"^[a-z]{2,4}(?:-[a-z]+)*-[a-z]+-\d{1,2}$")
# Endpoint prefixes whose signing name differs (botocore endpoints.json credentialScope).
_SIGNING_NAMES = {
    "api.pricing": "pricing",
    "appstream2": "appstream",
    "cloudhsmv2": "cloudhsm",
    "data-ats.iot": "iotdata",
    "data.iot": "iotdata",
    "email": "ses",
    "entitlement.marketplace": "aws-marketplace",
    "metering.marketplace": "aws-marketplace",
    "models.lex": "lex",
    "pinpoint": "mobiletargeting",
    "runtime.lex": "lex",
    "streams.dynamodb": "dynamodb",
}
_IGNORED_LABELS = {"dualstack", "vpce", "fips"}


@dataclass(frozen=True)
class AwsScope:
    """What a host name says about SigV4: the signing name and region (either may be
    ``None`` when the host does not tell)."""

    service: str | None
    region: str | None


def _strip_fips(label: str) -> str:
    for token in ("-fips", "fips-"):
        label = label.replace(token, "")
    return label


def infer_scope(host: str) -> AwsScope:
    """Infer ``(service, region)`` from an AWS host name.

    ``api.sagemaker.us-east-1.amazonaws.com`` -> ``sagemaker``, ``us-east-1``;
    ``sagemaker.cn-north-1.amazonaws.com.cn``, ``api-fips.sagemaker.us-east-1.amazonaws.com``,
    ``dynamodb-fips.us-gov-west-1.amazonaws.com``, ``sagemaker.us-east-1.api.aws`` work
    too; global endpoints (``iam.amazonaws.com``) get the partition's home region.
    Anything else (``127.0.0.1:5000``, a custom domain) gives ``AwsScope(None, None)``.
    A full URL is accepted as well.
    """
    text = host.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].split("@")[-1]
    if text.startswith("["):
        return AwsScope(None, None)
    text = text.split(":", 1)[0].rstrip(".")
    for suffix in _SUFFIXES:
        if text.endswith("." + suffix):
            prefix = text[: -len(suffix) - 1]
            break
    else:
        return AwsScope(None, None)
    labels = [label for label in prefix.split(".") if label]
    region_index = None
    for index in range(len(labels) - 1, -1, -1):
        if _REGION.match(labels[index]):
            region_index = index
            break
    if region_index is None:
        # Global endpoint: iam.amazonaws.com, sts.amazonaws.com, route53.amazonaws.com...
        service_labels = [x for x in labels if x not in _IGNORED_LABELS]
        if not service_labels:
            return AwsScope(None, None)
        endpoint_prefix = ".".join(service_labels[-2:])
        service = _SIGNING_NAMES.get(endpoint_prefix) or _strip_fips(service_labels[-1])
        return AwsScope(service or None, _GLOBAL_REGION.get(suffix))
    region = labels[region_index]
    before = [x for x in labels[:region_index] if x not in _IGNORED_LABELS]
    if not before:
        return AwsScope(None, region)
    # Match the signing-name table on the endpoint prefix (without fips markers).
    cleaned = [_strip_fips(x) for x in before]
    for width in (3, 2, 1):
        if len(cleaned) >= width:
            candidate = ".".join(cleaned[-width:])
            if candidate in _SIGNING_NAMES:
                return AwsScope(_SIGNING_NAMES[candidate], region)
    service = cleaned[-1]
    return AwsScope(service or None, region)
