"""Write the JSON Schema file of every event model: `python -m schemas.export`."""

from schemas import EVENT_MODELS, render, schema_path


def main() -> None:
    for model in EVENT_MODELS:
        schema_path(model).write_text(render(model), encoding="utf-8")
        print(schema_path(model).name)


if __name__ == "__main__":
    main()
