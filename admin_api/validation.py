"""Request bodies and query strings checked by pydantic, errors in the gateway's shape.

Models use camelCase on the wire (``orgId``) and snake_case in Python. Bodies reject unknown
fields; query strings ignore unknown parameters (so a newer client's extra filter is harmless).
The first problem found is reported with ``param`` naming it, e.g. ``toolAccessMatrix.web``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from admin_api.types import Id
from core.errors import InvalidRequestError
from core.suggest import unknown_field
from fronts.chat_request import check_depth

M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """A JSON request body."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=True, validate_by_name=False, extra="forbid"
    )


class Query(BaseModel):
    """A query string."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=True, validate_by_name=False, extra="ignore"
    )


class TimeRangeQuery(Query):
    """A query string with ``from`` and ``to``, also accepted under the original spec's names
    ``startTime`` and ``endTime`` (both names may be sent only with the same value)."""

    from_: datetime | None = Field(None, alias="from", description="ts >= from (ISO 8601)")
    to: datetime | None = Field(None, description="ts <= to (ISO 8601)")
    start_time: datetime | None = Field(None, description="the same as `from`")
    end_time: datetime | None = Field(None, description="the same as `to`")

    @model_validator(mode="after")
    def _one_name_each(self) -> Self:
        # An InvalidRequestError is not a ValueError, so pydantic lets it through as it is.
        self.from_ = _same(self.from_, self.start_time, "startTime")
        self.to = _same(self.to, self.end_time, "endTime")
        return self


def _same(value: datetime | None, alias: datetime | None, alias_name: str) -> datetime | None:
    if value is not None and alias is not None and value != alias:
        raise InvalidRequestError(
            f"{alias_name} is another name for {'from' if alias_name == 'startTime' else 'to'}: "
            "send one of them",
            code="invalid_query_parameter",
            param=alias_name,
        )
    return value if value is not None else alias


class Out(BaseModel):
    """A response body: built with Python names, sent with camelCase names."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=False, validate_by_name=True
    )


class Deleted(Out):
    id: str
    deleted: bool = True


class IdQuery(Query):
    """The id of a collection-level ``PATCH`` or ``DELETE`` (``/api/v1/keys?id=...``)."""

    id: Id | None = Field(
        None, description="the id of the resource, unless sent as `id` in the body"
    )


class IdBody(Body):
    id: Id | None = Field(None, description="the id of the resource, unless sent as ?id=")


def target_id(query: IdQuery, body: BaseModel | None) -> str:
    """The id a collection-level ``PATCH`` or ``DELETE`` names: ``?id=`` or the body's ``id``
    (``body`` is a model with an ``id`` field, or None); 400 if neither or two different."""
    in_body: str | None = getattr(body, "id", None)
    if query.id and in_body and query.id != in_body:
        raise InvalidRequestError(
            "?id= and the body's id name different resources", code="conflicting_id", param="id"
        )
    chosen = query.id or in_body
    if not chosen:
        raise InvalidRequestError(
            "name the resource with ?id= or with id in the body", code="missing_id", param="id"
        )
    return chosen


def _param(error: ValidationError, model: type[BaseModel]) -> tuple[str, str | None]:
    errors = error.errors(include_url=False)
    # A mistyped field is both missing and unknown: naming the unknown one helps more.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    location = [str(part) for part in first["loc"]]
    message = first["msg"]
    if first["type"] == "extra_forbidden" and location:
        message = unknown_field(model, location[-1])  # names the nearest field, if one is
    if location:
        message = f"{'.'.join(location)}: {message}"
    return message, ".".join(location) or None


def _reject_nul(value: Any, path: str, code: str) -> None:
    """PostgreSQL text cannot hold U+0000; refuse it here rather than fail in the database."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidRequestError(
                f"{path or 'the body'}: NUL characters are not allowed", code=code, param=path
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            _reject_nul(key, where, code)
            _reject_nul(item, where, code)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_nul(item, f"{path}.{index}" if path else str(index), code)


def parse_body(raw: bytes, model: type[M]) -> M:
    try:
        data: Any = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        raise InvalidRequestError(
            "the request body is not valid JSON", code="invalid_json"
        ) from None
    if not isinstance(data, dict):
        raise InvalidRequestError("the request body must be a JSON object", code="invalid_json")
    check_depth(raw, data)
    return validate(data, model, code="invalid_request_body")


def parse_query(query: Any, model: type[M]) -> M:
    return validate({key: query.get(key) for key in query}, model, code="invalid_query_parameter")


def validate(data: dict[str, Any], model: type[M], *, code: str) -> M:
    _reject_nul(data, "", code)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        message, param = _param(error, model)
        raise InvalidRequestError(message, code=code, param=param) from None
