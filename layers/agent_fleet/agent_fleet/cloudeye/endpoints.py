"""Cloud Eye and IAM endpoints of a Huawei Cloud region."""

import re

REGION_PATTERN = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")

UNSUPPORTED_REGIONS = frozenset({"sa-argentina-1", "sa-peru-1"})
"""LA-Buenos Aires1 and LA-Lima1, where the agent task APIs are not offered."""

_EUROPE_DOMAIN_REGIONS = frozenset({"eu-west-101"})


def _domain_for(region: str) -> str:
    return "myhuaweicloud.eu" if region in _EUROPE_DOMAIN_REGIONS else "myhuaweicloud.com"


def _check_region(region: str) -> None:
    if not REGION_PATTERN.match(region):
        raise ValueError(
            f"invalid Huawei Cloud region {region!r}: expected an id such as ap-southeast-1"
        )
    if region in UNSUPPORTED_REGIONS:
        raise ValueError(f"the Cloud Eye agent task APIs are not offered in region {region}")


def ces_endpoint(region: str) -> str:
    """Return the Cloud Eye endpoint of ``region``, e.g. ``https://ces.ap-southeast-1.myhuaweicloud.com``.

    Raises
    ------
    ValueError
        If ``region`` is not a region id or the agent task APIs are not offered there.
    """
    _check_region(region)
    return f"https://ces.{region}.{_domain_for(region)}"


def iam_endpoint(region: str) -> str:
    """Return the IAM endpoint of ``region``, where tokens are issued."""
    _check_region(region)
    return f"https://iam.{region}.{_domain_for(region)}"
