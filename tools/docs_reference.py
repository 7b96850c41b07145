"""The documentation site's two generated references, built from the code itself so they cannot
drift from it: every configuration key (from ``gateway.settings``' models, with the comments
written beside each field) and every admin API operation (from the OpenAPI document the server
serves). ``tools/docs_hooks.py`` adds both pages to each ``mkdocs build``.

    python tools/docs_reference.py config|admin-api     print one page's markdown
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from core.settings import Settings

FIELD_LINE = re.compile(r"^    ([a-z_][a-z0-9_]*): ")
TRAILING = re.compile(r"\)?\s+#\s+(.*)$")


def _field_comments(model: type[BaseModel]) -> dict[str, str]:
    """The comments written above a field and at the end of its line, by field name."""
    comments: dict[str, str] = {}
    above: list[str] = []
    source, _ = inspect.getsourcelines(model)
    for line in source:
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("# ").rstrip())
            continue
        match = FIELD_LINE.match(line)
        if match:
            trailing = TRAILING.search(line.split("=", 1)[-1]) if "#" in line else None
            parts = [*above, trailing.group(1) if trailing else ""]
            comments[match.group(1)] = " ".join(p for p in parts if p)
        above = []
    return comments


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + " or null"
    if origin is tuple:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    names = {str: "string", int: "integer", float: "number", bool: "boolean", Decimal: "decimal"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "see below"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple | list):
        return "`[" + ", ".join(str(v) for v in value) + "]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    return f"`{value}`"


def _models_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (itself, in a list, or optional), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _models_of(arg)
        if found is not None:
            return found
    return None


def _doc(model: type[BaseModel]) -> str:
    """The model's own docstring (not one inherited from pydantic's BaseModel)."""
    return inspect.cleandoc(model.__dict__.get("__doc__") or "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _section(model: type[BaseModel], path: str, out: list[str]) -> None:
    doc = _doc(model)
    out += [f"## `{path}`" if path else "## Top level", ""]
    if doc:
        out += [doc, ""]
    comments = _field_comments(model)
    out += ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    nested: list[tuple[type[BaseModel], str]] = []
    for name, field in model.model_fields.items():
        if name == "source":
            continue
        annotation = field.annotation
        child = _models_of(annotation)
        meaning = field.description or comments.get(name, "")
        if not meaning and child is not None:
            meaning = _doc(child).split("\n\n")[0]
        meaning = _cell(meaning)
        out.append(f"| `{name}` | {_type_name(annotation)} | {_default(field)} | {meaning} |")
        if child is not None:
            many = typing.get_origin(annotation) is tuple
            key = f"{path}.{name}" if path else name
            nested.append((child, f"{key}[]" if many else key))
    out.append("")
    for child, key in nested:
        _section(child, key, out)


def config_reference() -> str:
    out = [
        "# Configuration reference",
        "",
        "Generated from the settings models (`gateway/settings.py`) at every build of this site:",
        "each key, its type, its default and the comment written beside it in the code. A YAML",
        "file given with `--config` (or `GOVERNS_CONFIG`) sets any of them; unknown keys are",
        "refused at start-up, and `${VAR}` / `${VAR:-default}` work in every string. The",
        "environment variable `GOVERNS_BOOTSTRAP_KEY` sets `bootstrap_key`.",
        "",
    ]
    _section(Settings, "", out)
    return "\n".join(out).rstrip() + "\n"


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_schema_name(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_schema_name(schema.get('items', {}))}"
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    return str(schema.get("type", "any"))


def _properties(document: dict[str, Any], ref: str, out: list[str]) -> None:
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    required = set(schema.get("required", []))
    out += ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    for name, prop in schema.get("properties", {}).items():
        meaning = _cell(str(prop.get("description", "")))
        need = "yes" if name in required else ""
        out.append(f"| `{name}` | {_schema_name(prop)} | {need} | {meaning} |")
    out.append("")


def admin_api_reference() -> str:
    from admin_api.app import ENDPOINTS
    from admin_api.openapi import build_openapi

    document = build_openapi(ENDPOINTS)
    out = [
        "# Admin API reference",
        "",
        "Generated from the OpenAPI document the gateway serves at `/api/openapi.json`, at every",
        "build of this site. Every operation takes `Authorization: Bearer <session token or API",
        'key>` unless marked public; errors have the shape `{"error": {message, type, param,',
        "code}}`.",
        "",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            tag = (operation.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append((method.upper(), path, operation))
    for tag in sorted(by_tag):
        out += [f"## {tag}", ""]
        for method, path, operation in by_tag[tag]:
            out += [f"### `{method} {path}`", "", operation.get("summary", ""), ""]
            if operation.get("description"):
                out += [operation["description"], ""]
            if operation.get("security") == []:
                out += ["Public: no credentials needed.", ""]
            if operation.get("x-permission"):
                out += [f"Permission: `{operation['x-permission']}` (see Who may do what).", ""]
            params = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            if params:
                out += ["Query:", "", "| parameter | type | meaning |", "| --- | --- | --- |"]
                for p in params:
                    meaning = _cell(str(p.get("description", "")))
                    schema_type = _schema_name(p.get("schema", {}))
                    out.append(f"| `{p['name']}` | {schema_type} | {meaning} |")
                out.append("")
            body = operation.get("requestBody", {}).get("content", {})
            ref = body.get("application/json", {}).get("schema", {}).get("$ref")
            if ref:
                out += ["Body:", ""]
                _properties(document, ref, out)
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
                if "$ref" in schema:
                    out += [f"Answer `{status}`:", ""]
                    _properties(document, schema["$ref"], out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    pages = {"config": config_reference, "admin-api": admin_api_reference}
    if len(sys.argv) != 2 or sys.argv[1] not in pages:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(pages)}")
    sys.stdout.write(pages[sys.argv[1]]())
