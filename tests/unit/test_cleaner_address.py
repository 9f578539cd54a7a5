"""A page served from elsewhere names its publisher; a site-name document title is no headline."""

from __future__ import annotations

from agents.cleaner.core import Page, clean

BODY = "".join(
    f"<p>Министр иностранных дел России Сергей Лавров провёл переговоры в Москве, абзац номер {n}, "
    "и обсудил с коллегами двусторонние отношения и ситуацию в регионе.</p>"
    for n in range(6)
)


def page(head: str, body: str) -> str:
    return f"<html lang='ru'><head>{head}</head><body>{body}</body></html>"


def test_canonical_address_selects_the_publisher_of_a_mirrored_page() -> None:
    html = page(
        '<title>RT на русском</title><meta property="og:site_name" content="RT на русском">'
        '<link rel="canonical" href="https://russian.rt.com/world/news/1-lavrov">',
        '<div class="article__text article__text_article-page">' + BODY
        + '<div class="read-more"><div class="read-more__title">Также по теме</div>'
        '<a class="read-more__link" href="/x">Другая новость о переговорах министров</a></div></div>',
    )
    article = clean(Page(url="http://127.0.0.1:8088/mirror/1.html", html=html))
    assert article.site == "russian.rt.com"
    assert any(rule.startswith("rt:") for rule in article.rules_fired)
    assert "Также по теме" not in article.body and "Другая новость" not in article.body
    assert article.title is None


def test_the_request_url_wins_over_a_claimed_address_on_a_known_site() -> None:
    html = page('<link rel="canonical" href="https://www.rbc.ru/politics/1">', "<article>" + BODY + "</article>")
    assert clean(Page(url="https://tass.ru/politika/1", html=html)).site == "tass.ru"


def test_a_real_headline_is_kept() -> None:
    html = page('<title>Лавров провёл переговоры в Москве — RT на русском</title>'
                '<meta property="og:site_name" content="RT на русском">', "<article>" + BODY + "</article>")
    assert clean(Page(url="https://example.org/1", html=html)).title == "Лавров провёл переговоры в Москве"
