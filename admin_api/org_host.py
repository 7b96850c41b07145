"""``admin.org_host_pattern``: the org a request's ``Host`` header names (the spec's
``{orgSlug}.app.governs.ai`` routing).

With ``org_host_pattern: "{org}.app.example.com"``, a request to ``acme.app.example.com`` is
about the org whose slug is ``acme``: it is the org of every admin API call that names none,
an ``orgId`` naming any other org is answered 404 (as for an org that does not exist), and the
console there works on that org only (``/api/v1/auth/me`` says which, as ``hostOrgId``). A
host the pattern does not match (the bare domain, an IP address) selects nothing: requests name
their org as everywhere else. The pattern is compiled once, at start-up.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.caller import not_found
from core.storage.keys import find_org
from core.storage.models import Org

_SLUG = r"(?P<org>[a-z0-9][a-z0-9-]{0,99})"


class OrgHost:
    """``slug(host)``: the org slug ``host`` names under the pattern, or None."""

    def __init__(self, pattern: str | None) -> None:
        self._regex: re.Pattern[str] | None = None
        if pattern is not None:
            before, after = (re.escape(part) for part in pattern.split("{org}"))
            # A pattern without a port matches the host on any port (a dev server's :8080).
            port = "" if re.search(r":\d+$", pattern) else r"(?::\d{1,5})?"
            self._regex = re.compile(f"{before}{_SLUG}{after}{port}", re.IGNORECASE)

    def slug(self, host: str | None) -> str | None:
        if self._regex is None or not host:
            return None
        found = self._regex.fullmatch(host)
        return found["org"].lower() if found else None

    async def org(self, db: AsyncSession, host: str | None) -> Org | None:
        """The org the host names: None when it names none; 404 when no org has that slug."""
        slug = self.slug(host)
        if slug is None:
            return None
        org = await find_org(db, slug)
        if org is None or org.slug != slug:  # the slug, never an org id put in the host
            raise not_found()
        return org


def scoped_ref(host_org: Org | None, org_ref: str | None) -> str | None:
    """The org a request is about: the host's, which an explicit ``org_ref`` must name too."""
    if host_org is None:
        return org_ref
    if org_ref is not None and org_ref not in (host_org.id, host_org.slug):
        raise not_found()
    return host_org.id
