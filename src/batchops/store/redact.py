"""Credentials in URLs, masked wherever a URL is shown or logged.

A URL can carry a secret in its userinfo (`user:password@host`) or in its query
(`?token=…`, `?password=…`, a signed link's `X-Amz-Signature=…`). Every place that prints,
logs or answers with a URL the user gave (database URLs, webhook URLs) shows it through
`mask_url`, so a viewer of a list, a log or an error line never reads the secret.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit

MASK = "***"
#: Query keys whose values are secrets, compared without regard to case.
CREDENTIAL_KEYS = frozenset(
    {
        "token",
        "access_token",
        "key",
        "api_key",
        "apikey",
        "secret",
        "password",
        "passwd",
        "sig",
        "signature",
    }
)
_PREFIXES = ("x-amz-",)


def is_credential_key(key: str) -> bool:
    """Whether a query key names a credential (`token`, `API_KEY`, `X-Amz-Signature`, …)."""
    lowered = key.strip().lower()
    return lowered in CREDENTIAL_KEYS or lowered.startswith(_PREFIXES)


def credentials_in(url: str) -> list[str]:
    """The secret values `url` carries (its userinfo password and credential query values),
    longest first, so a message that quotes them can have each replaced."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    found = [value for key, value in _query(parts.query) if is_credential_key(key) and value]
    if password:
        found.append(password)
    return sorted(set(found), key=len, reverse=True)


def mask_url(url: str) -> str:
    """`url` with its userinfo password and every credential-like query value as `***`."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port makes the URL unparsable: mask by text then)
    except ValueError:
        return _mask_text(url)
    masked = url
    if "@" in parts.netloc:
        userinfo, _, host = parts.netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}{':' + MASK if colon else ''}@{host}"
        masked = masked.replace(f"//{parts.netloc}", f"//{netloc}", 1)
    if parts.query:  # edited in place: rebuilding would change sqlite:////path's slashes
        query = "&".join(_masked_pair(item) for item in parts.query.split("&"))
        masked = masked.replace(f"?{parts.query}", f"?{query}", 1)
    return masked


def mask_text(text: str, url: str) -> str:
    """`text` (a driver's error, say) with every secret of `url` replaced by `***`: anywhere
    in it, or, for a secret of under four characters, where it stands as a word of its own
    (so that a password `a` does not turn every word holding an `a` into `***`)."""
    for secret in credentials_in(url):
        for form in {secret, quote(secret, safe="")}:
            if len(form) >= 4:
                text = text.replace(form, MASK)
            else:
                text = re.sub(rf"(?<![\w]){re.escape(form)}(?![\w])", MASK, text)
    return text


def _mask_text(url: str) -> str:
    """A URL that does not parse: keep only the scheme and what follows the last `@`, and
    drop the query, since where its secrets stand is unknown."""
    text = url.split("?", 1)[0]
    if "@" in text:
        text = f"{text.partition('://')[0]}://{MASK}@{text.rpartition('@')[2]}"
    return text + (f"?{MASK}" if "?" in url else "")


def _masked_pair(item: str) -> str:
    key, equals, _value = item.partition("=")
    return f"{key}={MASK}" if equals and is_credential_key(unquote_plus(key)) else item


def _query(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)
