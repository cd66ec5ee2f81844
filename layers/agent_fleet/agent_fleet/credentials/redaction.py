"""Redaction of secret header values in httpcore's DEBUG log lines.

httpcore (the transport under httpx) logs every response's headers at DEBUG,
as ``receive_response_headers.complete return_value=(..., [(b'Name',
b'value'), ...])``. IAM returns the Cloud Eye token in ``X-Subject-Token``,
so a DEBUG-level root logger would write the token to the function's logs.
A filter on httpcore's protocol loggers masks the values of secret-bearing
headers before any handler receives the record.
"""

import logging
import re
import threading

# The loggers whose records carry response headers (httpcore 1.x).
_HTTPCORE_LOGGERS = ("httpcore.http11", "httpcore.http2")
_SECRET_HEADERS = (
    "x-subject-token",
    "x-auth-token",
    "x-aws-parameters-secrets-token",
    "x-amz-security-token",
    "authorization",
)
_SECRET_HEADER_PAIR = re.compile(
    r"(\(b['\"](?:" + "|".join(_SECRET_HEADERS) + r")['\"],\s*)b(['\"]).*?(?<!\\)\2(\))",
    re.IGNORECASE,
)
_MASK = r"\1b'***'\3"
_install_lock = threading.Lock()


class SecretHeaderFilter(logging.Filter):
    """Mask secret header values in a log record's message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _SECRET_HEADER_PAIR.sub(_MASK, message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


def install_httpcore_header_redaction() -> None:
    """Attach `SecretHeaderFilter` to httpcore's protocol loggers, once per process.

    The sources and the token provider call it when they are created, so
    that their secret headers stay out of logs whatever level the handler's
    logging setup chooses.
    """
    with _install_lock:
        for name in _HTTPCORE_LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(existing, SecretHeaderFilter) for existing in logger.filters):
                logger.addFilter(SecretHeaderFilter())
