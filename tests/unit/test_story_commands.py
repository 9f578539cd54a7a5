"""`vestnik stories` (no Kafka) and the reading side of `vestnik top-stories`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from typer.testing import CliRunner

from schemas.models import Story
from vestnik.cli import cli
from vestnik.ops.top_stories import parse_span, top

LAVROV = ("Министр иностранных дел России Сергей Лавров встретился в Москве с госсекретарём США Рексом "
          "Тиллерсоном и обсудил Сирию, Украину и договор о ракетах средней и меньшей дальности. ")
WEATHER = ("Синоптики обещают в Петербурге снег с дождём, сильный ветер и гололедицу на дорогах до конца "
           "недели; коммунальные службы переведены на усиленный режим работы. ")


def test_stories_command_clusters_json_lines_in_input_order_and_reports_bad_lines() -> None:
    lines = [
        {"id": "a", "title": "Лавров встретился с Тиллерсоном", "text": LAVROV * 8, "url": "https://ria.ru/a"},
        {"id": "b", "title": "Лавров и Тиллерсон провели встречу", "text": LAVROV * 8, "url": "https://tass.ru/b"},
        {"id": "c", "title": "В Петербурге снег и гололедица", "text": WEATHER * 8, "url": "https://rbc.ru/c"},
        {"title": "no id"},
    ]
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\nnot json\n"
    result = CliRunner().invoke(cli, ["stories"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [orjson.loads(line) for line in result.output.splitlines()]
    assert [o.get("id") for o in out[:3]] == ["a", "b", "c"]
    assert out[1]["duplicate_of"] == "a" and out[1]["story_id"] == out[0]["story_id"] == "a"
    assert out[2]["story_id"] == "c" and out[2]["duplicate_of"] is None
    assert "error" in out[3] and "not JSON" in out[4]["error"]


@pytest.mark.parametrize(("text", "span"), [("24h", timedelta(hours=24)), ("90m", timedelta(minutes=90)),
                                            ("3d", timedelta(days=3)), ("1.5h", timedelta(minutes=90))])
def test_spans_read_as_people_write_them(text: str, span: timedelta) -> None:
    assert parse_span(text) == span


def test_a_span_that_is_no_span_is_refused() -> None:
    with pytest.raises(ValueError, match="not a span"):
        parse_span("yesterday")


def story(story_id: str, sites: int, members: int, hours_ago: float, now: datetime) -> Story:
    return Story(story_id=story_id, first_article_id="0" * 20, last_article_id="1" * 20, members=members,
                 sites=sites, updated_at=now - timedelta(hours=hours_ago))


def test_top_stories_are_the_recent_ones_carried_by_most_outlets() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    stories = [story("old", 9, 40, 30, now), story("wide", 5, 6, 2, now), story("busy", 2, 30, 1, now),
               story("tie", 5, 9, 3, now)]
    assert [s.story_id for s in top(stories, timedelta(hours=24), 3, now)] == ["tie", "wide", "busy"]
    assert [s.story_id for s in top(stories, timedelta(hours=48), 1, now)] == ["old"]
