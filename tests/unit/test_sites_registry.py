"""The site registry: every publisher has a fixture that cleans as expected, and is documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents.cleaner import Page, clean
from agents.sites import GENERIC, PUBLISHERS, REGISTRY, publisher_for_text, publisher_for_url, site_of

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sites"
DOC = Path(__file__).resolve().parents[2] / "docs" / "adding-a-site.md"
NAMES = [publisher.name for publisher in PUBLISHERS]


def load_fixture(name: str) -> tuple[bytes, dict[str, Any]]:
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    charset = str(expected.get("charset", "utf-8"))
    return (FIXTURES / f"{name}.html").read_text(encoding="utf-8").encode(charset), expected


def test_every_registered_publisher_has_a_fixture() -> None:
    missing = [name for name in NAMES if not (FIXTURES / f"{name}.html").is_file()]
    missing += [name for name in NAMES if not (FIXTURES / f"{name}.json").is_file()]
    assert not missing, f"publishers without a fixture (page + expected JSON): {missing}"


def test_no_fixture_without_a_publisher() -> None:
    orphans = sorted({path.stem for path in FIXTURES.glob("*.html")} - set(NAMES))
    assert not orphans, f"fixtures for unregistered publishers: {orphans}"


@pytest.mark.parametrize("name", NAMES)
def test_fixture_cleans_as_expected(name: str) -> None:
    html, expected = load_fixture(name)
    article = clean(Page(url=str(expected["url"]), html=html))
    assert article.site == expected["site"]
    assert article.title == expected["title"]
    for snippet in expected["must_contain"]:
        assert snippet in article.body, f"{name}: body lost {snippet!r}"
    for snippet in expected["must_not_contain"]:
        assert snippet not in article.body, f"{name}: body kept furniture {snippet!r}"
    for rule in expected["rules_fired"]:
        assert rule in article.rules_fired, f"{name}: rule {rule} did not fire"
    embeds = [embed.model_dump(exclude={"text"}) for embed in article.embeds]
    assert embeds == expected["embeds"]
    assert article.language == "ru"


def test_every_publisher_is_listed_in_the_guide() -> None:
    guide = DOC.read_text(encoding="utf-8")
    for publisher in PUBLISHERS:
        assert f"`{publisher.name}`" in guide, f"{publisher.name} missing from docs/adding-a-site.md"
        assert publisher.site in guide, f"{publisher.site} missing from docs/adding-a-site.md"


@pytest.mark.parametrize(
    ("url", "name", "site"),
    [
        ("https://russian.rt.com/world/article/1-x", "rt", "russian.rt.com"),
        ("https://inotv.rt.com/2017-09-22/1", "inotv", "inotv.rt.com"),
        ("https://top.rbc.ru/politics/1", "rbc", "rbc.ru"),
        ("https://www.rbc.ru/business/1", "rbc", "rbc.ru"),
        ("http://www.interfax-russia.ru/news/1", "interfax", "interfax.ru"),
        ("https://iz.ru/1/x", "izvestia", "iz.ru"),
    ],
)
def test_registry_finds_the_publisher_of_a_host(url: str, name: str, site: str) -> None:
    publisher = publisher_for_url(url)
    assert publisher is not None and publisher.name == name
    assert site_of(url) == site


def test_unregistered_hosts_report_their_registrable_domain() -> None:
    assert publisher_for_url("http://rus.ruvr.ru/2012/01/05/1") is None
    assert site_of("http://rus.ruvr.ru/2012/01/05/1") == "ruvr.ru"
    assert site_of("https://notrbc.ru/x") == "notrbc.ru"
    assert site_of(None) == "unknown"
    assert GENERIC.site == "unknown"


def test_registry_keys_are_unique_domains() -> None:
    domains = [domain for publisher in PUBLISHERS for domain in publisher.domains]
    assert len(domains) == len(set(domains)) == len(REGISTRY)


def test_publisher_recognised_by_its_own_furniture_in_plain_text() -> None:
    rt_text = "Он сказал, что они (Россия. — \nRT\n) могут помочь."
    inotv = publisher_for_text("Материалы ИноТВ содержат оценки исключительно зарубежных СМИ")
    rt = publisher_for_text(rt_text)
    assert inotv is not None and inotv.name == "inotv"
    assert rt is not None and rt.name == "rt"
    assert publisher_for_text("Обычный текст без примет издания.") is None


def test_dated_layout_versions_are_chosen_by_publication_date() -> None:
    from datetime import date

    rbc = REGISTRY["rbc.ru"]
    assert rbc.rules_for(date(2012, 1, 5)).label == "2012"
    assert rbc.rules_for(date(2024, 3, 5)).label == "2016"
    assert rbc.rules_for(None) is rbc.versions[-1]
