"""The policy body: one definition for the admin API (``/api/v1/policies``) and for policy
files (``governs policies apply``).

    PolicyBody    a whole policy: creating one, or applying a file (every field is replaced)
    PolicyPatch   some fields of a policy (``PATCH``): a field left out is left alone
    PolicyView    a stored policy as the API and ``governs policies list --json`` show it;
                  ``policy_to_api(row)`` builds its dict

On the wire names are camelCase and unknown fields are refused. Stored, ``outputTool`` and
``customRules`` live in the row's ``defaults`` JSON and the rest in columns of their own, which
is what ``gateway.policy_store.compile_policy`` reads. Custom rule patterns are compiled here
exactly as the detector compiles them, so a bad one fails validation at
``customRules.N.pattern``. The tool access matrix is checked by ``columns``/``changes``, which
raise ``policies.matrix.MatrixError`` naming the bad entry (``toolAccessMatrix.<path>``): its
shape, its actions, and its classes (built-in ones, ``default`` and the policy's own custom rule
classes; a typo names the nearest).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from core.errors import ConfigError
from detectors.base import PII_CLASSES
from detectors.custom import CustomRegexDetector, CustomRule
from policies.engine import DEFAULT_OUTPUT_TOOL
from policies.matrix import check_classes, validate_matrix

Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=10_000)]
Version = Annotated[str, Field(min_length=1, max_length=32)]
Priority = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
ToolName = Annotated[str, Field(min_length=1, max_length=200)]
Tools = Annotated[list[ToolName], Field(max_length=1000)]
OnError = Literal["block", "pass"]
CLASS_NAME = r"^[a-z][a-z0-9_]{0,63}$"
MAX_RULES = 100

_MATRIX_HELP = "tool → {piiClass: pass_through | tokenize | mask | remove | deny}"
_ON_ERROR_HELP = "when PII detection fails: block the request, or pass it on unchecked"
_OUTPUT_TOOL_HELP = f"the matrix row applied to model output (default {DEFAULT_OUTPUT_TOOL})"


class _Wire(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=True, validate_by_name=False, extra="forbid"
    )


class CustomRuleBody(_Wire):
    """Text matching ``pattern`` (the ``regex`` module's syntax) is PII of class ``class``."""

    pii_class: str = Field(alias="class", pattern=CLASS_NAME)
    pattern: str = Field(min_length=1, max_length=4096)
    score: float = Field(0.9, ge=0, le=1)
    ignore_case: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str, info: ValidationInfo) -> str:
        # The detector's own compile step; ``ignoreCase`` changes no pattern's validity.
        rule = CustomRule(pii_class=info.data.get("pii_class", "custom"), pattern=pattern)
        try:
            CustomRegexDetector([rule])
        except ConfigError as error:
            raise PydanticCustomError(
                "invalid_pattern", "{reason}", {"reason": str(error)}
            ) from None
        return pattern


class PolicyBody(_Wire):
    name: Name
    description: Description | None = None
    version: Version = "v1"
    tool_access_matrix: dict[str, Any] = Field(default_factory=dict, description=_MATRIX_HELP)
    is_active: bool = True
    on_error: OnError = Field("block", description=_ON_ERROR_HELP)
    output_tool: ToolName | None = Field(None, description=_OUTPUT_TOOL_HELP)
    custom_rules: list[CustomRuleBody] = Field(default_factory=list, max_length=MAX_RULES)
    priority: Priority = Field(0, description="an org's active policy of highest priority wins")
    deny_tools: Tools = Field(default_factory=list)
    allow_tools: Tools = Field(default_factory=list)

    def columns(self) -> dict[str, Any]:
        """Every stored column of the policy; ``MatrixError`` for a bad matrix."""
        matrix = validate_matrix(self.tool_access_matrix)
        check_classes(matrix, known_classes(self.custom_rules))
        return {
            "name": self.name,
            "description": self.description,
            "version": self.version,
            "tool_access_matrix": matrix,
            "is_active": self.is_active,
            "on_error": self.on_error,
            "priority": self.priority,
            "deny_tools": self.deny_tools,
            "allow_tools": self.allow_tools,
            "defaults": _defaults({}, self.output_tool, self.custom_rules),
        }


# ``null`` clears these; for the other fields of a patch it is the same as leaving them out.
_CLEARABLE = frozenset({"description", "output_tool"})
_KEEP: Any = object()  # "leave as it is", where None means "clear"


class PolicyPatch(_Wire):
    name: Name | None = None
    description: Description | None = None
    version: Version | None = None
    tool_access_matrix: dict[str, Any] | None = Field(None, description=_MATRIX_HELP)
    is_active: bool | None = None
    on_error: OnError | None = Field(None, description=_ON_ERROR_HELP)
    output_tool: ToolName | None = Field(None, description=_OUTPUT_TOOL_HELP)
    custom_rules: list[CustomRuleBody] | None = Field(None, max_length=MAX_RULES)
    priority: Priority | None = None
    deny_tools: Tools | None = None
    allow_tools: Tools | None = None

    def changes(
        self, defaults: Mapping[str, Any] | None, matrix: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The columns this patch changes, given the row's current ``defaults`` and ``matrix``;
        ``MatrixError`` for a bad matrix (or one left naming a custom class it removes)."""
        sent = {
            name: getattr(self, name)
            for name in PolicyPatch.model_fields  # a subclass's extra fields are not columns
            if name in self.model_fields_set
            and (getattr(self, name) is not None or name in _CLEARABLE)
        }
        output_tool = sent.pop("output_tool", _KEEP)
        custom_rules = sent.pop("custom_rules", _KEEP)
        if "tool_access_matrix" in sent:
            sent["tool_access_matrix"] = validate_matrix(sent["tool_access_matrix"])
        if "tool_access_matrix" in sent or custom_rules is not _KEEP:
            rules = (
                custom_rules
                if custom_rules is not _KEEP
                else [
                    CustomRuleBody.model_validate(r)
                    for r in (defaults or {}).get("customRules") or ()
                ]
            )
            check_classes(
                sent.get("tool_access_matrix", validate_matrix(matrix or {})), known_classes(rules)
            )
        if output_tool is not _KEEP or custom_rules is not _KEEP:
            sent["defaults"] = _defaults(defaults or {}, output_tool, custom_rules)
        return sent


def known_classes(rules: list[CustomRuleBody] | None) -> frozenset[str]:
    """The classes a policy with these custom rules may name: built-in ones and its own."""
    return PII_CLASSES | {rule.pii_class for rule in rules or ()}


def _defaults(base: Mapping[str, Any], output_tool: Any, rules: Any) -> dict[str, Any]:
    """``base`` with ``outputTool`` and ``customRules`` set, removed when empty, or kept
    (``_KEEP``)."""
    merged = dict(base)
    for key, value in (
        ("outputTool", output_tool),
        ("customRules", rules if rules is _KEEP else [r.model_dump(by_alias=True) for r in rules]),
    ):
        if value is _KEEP:
            continue
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    return merged


def _utc(value: object) -> object:
    # SQLite hands back naive datetimes; every timestamp the gateway writes is UTC.
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


Timestamp = Annotated[datetime, BeforeValidator(_utc)]


class _View(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)


class CustomRuleView(_View):
    pii_class: str = Field(alias="class")
    pattern: str
    score: float = 0.9
    ignore_case: bool = False


class PolicyView(_View):
    id: str
    org_id: str
    name: str
    description: str | None
    version: str
    tool_access_matrix: dict[str, dict[str, str]]
    is_active: bool
    on_error: str
    output_tool: str | None
    custom_rules: list[CustomRuleView]
    priority: int
    deny_tools: list[str]
    allow_tools: list[str]
    created_at: Timestamp
    updated_at: Timestamp


def policy_to_api(row: Any) -> dict[str, Any]:
    """A ``policies`` row (ORM object or row mapping) in the API's shape: camelCase names,
    ISO 8601 UTC timestamps; JSON-ready."""
    defaults: Mapping[str, Any] = row.defaults or {}
    view = PolicyView(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        description=row.description,
        version=row.version,
        tool_access_matrix=row.tool_access_matrix or {},
        is_active=row.is_active,
        on_error=row.on_error,
        output_tool=defaults.get("outputTool"),
        custom_rules=[CustomRuleView.model_validate(r) for r in defaults.get("customRules") or ()],
        priority=row.priority,
        deny_tools=list(row.deny_tools or ()),
        allow_tools=list(row.allow_tools or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    return view.model_dump(mode="json", by_alias=True)
