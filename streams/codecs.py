"""Event (de)serialisation with orjson, validated against the event models."""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import ValidationError

from schemas.models import Event

E = TypeVar("E", bound=Event)


class DecodeError(ValueError):
    """A message that is not a valid event of the expected schema."""


def encode(event: Event) -> bytes:
    return orjson.dumps(event.model_dump(mode="json"))


def decode(model: type[E], data: bytes | None) -> E:
    """Parse and validate one message; any failure is a DecodeError naming the schema and the cause."""
    if data is None:
        raise DecodeError(f"{model.schema_id()}: empty message (tombstone or null value)")
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"{model.schema_id()}: not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise DecodeError(f"{model.schema_id()}: expected a JSON object, got {type(obj).__name__}")
    name, version = obj.get("schema_name"), obj.get("schema_version")
    if (name, version) != (model.SCHEMA_NAME, model.SCHEMA_VERSION):
        raise DecodeError(f"{model.schema_id()}: message declares schema {name!r} version {version!r}")
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise DecodeError(f"{model.schema_id()}: {problems}") from exc
