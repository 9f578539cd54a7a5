"""Versioned event contracts: JSON Schema files and the pydantic models they are generated from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.models import EVENT_MODELS, Event

SCHEMA_DIR = Path(__file__).parent
ID_BASE = "https://vestnik.dev/schemas/"


def json_schema(model: type[Event]) -> dict[str, Any]:
    """The draft 2020-12 JSON Schema of one event model, with a versioned `$id`."""
    body = model.model_json_schema(mode="serialization")
    required = set(body.get("required", []))
    # Defaults are filled in by the producer, so the wire format always carries these.
    required.update({"schema_name", "schema_version"})
    body["required"] = sorted(required)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{ID_BASE}{model.schema_id()}.json",
        **body,
    }


def schema_path(model: type[Event]) -> Path:
    return SCHEMA_DIR / f"{model.schema_id()}.json"


def render(model: type[Event]) -> str:
    return json.dumps(json_schema(model), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load(schema_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / f"{schema_id}.json").read_text(encoding="utf-8"))
    return data


__all__ = ["EVENT_MODELS", "SCHEMA_DIR", "json_schema", "load", "render", "schema_path"]
