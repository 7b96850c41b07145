"""Field types shared by request and response models."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from admin_api.wire import as_utc
from core.ids import looks_like_id


# A UTC timestamp, sent as ISO 8601 with "Z".
def _utc(value: object) -> object:
    return as_utc(value) if isinstance(value, datetime) else value


Timestamp = Annotated[datetime, BeforeValidator(_utc)]

# Money on the wire: a Decimal string such as "12.5" (never a float); see ``wire.money``.
MONEY_PATTERN = r"^-?\d+(\.\d+)?$"
MoneyOut = Annotated[str, Field(pattern=MONEY_PATTERN)]

# What the API takes as an amount: a non-negative Decimal string (a JSON number is accepted).
AmountIn = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=10)]

# A name is shown and mailed (an invitation's subject): no line breaks or control characters.
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Id = Annotated[str, Field(min_length=1, max_length=32)]
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")


def _not_id_shaped(slug: str) -> str:
    if looks_like_id(slug):
        raise ValueError("a slug must not have the shape of an id (26 letters and digits)")
    return slug


# An org's handle: never the shape of an id, since wherever an orgId is taken the slug works too.
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$"), AfterValidator(_not_id_shaped)]
