"""Errors the admin API adds to the gateway's tree (``core.errors``).

    InvalidRequestError (400)
    └── ConflictError            409  the resource exists already / the change conflicts

Everything else is raised with the gateway's own classes and rendered by its middleware.
"""

from __future__ import annotations

from core.errors import InvalidRequestError


class ConflictError(InvalidRequestError):
    status = 409
    default_code = "conflict"
