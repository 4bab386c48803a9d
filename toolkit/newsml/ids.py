"""Item identity in NewsML-G2 and ninjs: guids built on the story key.

Every language version of a story gets a guid ``urn:newsml:PROVIDER:KEY:LANG`` and the
package ``urn:newsml:PROVIDER:KEY:package``. ``KEY`` is the story key
(:mod:`toolkit.story`), which depends only on what identifies the story.

A NewsML-G2 item from another provider (a guid that is a URI, with a version) keeps its
guid and version for the original-language item: it is their item passing through us
(recorded in ``hopHistory``). Our translations of it are ours and get guids under our
provider id.
"""

from __future__ import annotations

import re

from ..errors import ConfigError
from ..story import FOREIGN_GUID, MAX_GUID, Identity, identity, parse_own, stem

PROVIDER_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,62}[A-Za-z0-9])?$")
PACKAGE_SUFFIX = "package"


def check_provider(provider: str) -> str:
    """A provider id usable in guids (a domain name or a short token)."""
    if not isinstance(provider, str) or not PROVIDER_ID.match(provider):
        raise ConfigError(
            f"invalid provider id {provider!r}: use a domain name or a token of letters, digits, '.' and '-'"
        )
    return provider


def item_guid(provider: str, key: str, suffix: str) -> str:
    return f"urn:newsml:{provider}:{key}:{suffix}"


__all__ = [
    "FOREIGN_GUID",
    "MAX_GUID",
    "PACKAGE_SUFFIX",
    "PROVIDER_ID",
    "Identity",
    "check_provider",
    "identity",
    "item_guid",
    "parse_own",
    "stem",
]
