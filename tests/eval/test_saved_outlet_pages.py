"""The publisher modules on the outlets' own saved pages (the corpus's `outlets/`), checked by hand.

Each expected value was read off the page: the headline, the publication time the page states (converted
to UTC), the byline or the author the page's markup names, the first and the last line of the article, and
furniture printed around it (captions, credits, related-story boxes, promos) that must not reach the body.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.cleaner import Article, Page, clean
from tests.eval.corpus import needed


@dataclass(frozen=True)
class SavedPage:
    file: str
    url: str
    title: str
    published_at: datetime
    authors: list[str]
    lead_starts: str | None
    first_line_starts: str
    last_line: str
    furniture: tuple[str, ...]


PAGES = [
    SavedPage(
        file="lenta-2020-03-03-rub.html",
        url="https://lenta.ru/news/2020/03/03/rub/",
        title="США заставили рубль взлететь",
        # <time class="g-date" datetime="2020-03-03T19:41:00+03:00" pubdate>; the first <time> of the page is
        # a news-feed item (" 21:09,  3 марта 2020").
        published_at=datetime(2020, 3, 3, 16, 41, tzinfo=UTC),
        # No byline: the article's microdata names the newsroom as its author.
        authors=["Редакция Lenta.ru"],
        lead_starts=None,
        first_line_starts="После решения Федеральной резервной системы (ФРС) США опустить базовую ставку",
        last_line="Рост американских рынков глава Белого дома считает одним из главных своих достижений.",
        furniture=(
            "Фото: Анатолий Жданов",
            "Материалы по теме",
            "Черные дни",
            "Смертельный коронавирус ударил по китайской экономике",
            "YouTube-канале",
            "Ссылки по теме",
            "Перейти в «Мою Ленту»",
            "Обсудить",
        ),
    ),
    SavedPage(
        file="rbc-2020-03-03-greece.html",
        url="https://www.rbc.ru/politics/03/03/2020/5e5e1a139a7947838ece510f",
        title="Евросоюз выделит Греции до €700 млн для борьбы с миграционным кризисом",
        # <span class="article__header__date" itemprop="datePublished" content="2020-03-03T18:16:36+03:00">
        published_at=datetime(2020, 3, 3, 15, 16, tzinfo=UTC),
        authors=["Полина Химшиашвили"],  # "Автор: Полина Химшиашвили" under the text
        lead_starts="Руководители Европейского союза побывали на границе Греции и Турции",
        first_line_starts="Руководители Европейского союза побывали на границе Греции и Турции",
        last_line=(
            "пояснил базирующийся в Турции эксперт Российского совета по международным делам Тимур Ахметов."
        ),
        furniture=(
            "Dimitris Papamitsos",
            "Как сирийские беженцы переправляются из Турции в Европу",
            "Фотогалерея",
            "Подпишитесь на",
            "рассылку РБК",
            "Автор:",
            "Теги:",
            "www.adv.rbc.ru",
        ),
    ),
    SavedPage(
        file="ria-2020-03-03-1568058953.html",
        url="https://ria.ru/20200303/1568058953.html",
        title="В Конституцию предложили внести конфискацию имущества коррупционеров",
        # <meta property="article:published_time" content="20200303T1835+0300">: ISO 8601's basic format
        published_at=datetime(2020, 3, 3, 15, 35, tzinfo=UTC),
        # No byline: the article's microdata names the agency as its author.
        authors=["РИА Новости"],
        lead_starts=None,
        first_line_starts="МОСКВА, 3 мар — РИА Новости. Глава Следственного комитета Александр Бастрыкин",
        last_line="Общероссийское голосование по поправкам в Конституцию пройдет 22 апреля, этот день будет нерабочим.",
        furniture=(
            "Григорий Сысоев",
            "Перейти в фотобанк",
            "Кадыров оценил поправки к Конституции о семье и Боге",
            "В ЦИК рассказали о процедуре голосования",
            "Никто не заставит",
            "Вчера, 20:15",
        ),
    ),
    SavedPage(
        file="rt-2014-09-24-article-51369.html",
        url="http://russian.rt.com/article/51369",
        # The page's headline opens with U+200B (zero width space), which must not reach the title.
        title="Депутаты Госдумы требуют расследовать факт массового захоронения под Донецком",
        # <time itemprop="datePublished" datetime="2014-09-24T13:40">: Moscow time, UTC+4 from 2011-03-27 to
        # 2014-10-26; the page's <meta name="publish-date"> says "Wed, 24 Sep 2014 13:40:16 +0400".
        published_at=datetime(2014, 9, 24, 9, 40, tzinfo=UTC),
        authors=[],  # no byline, no author in the markup
        lead_starts="Государственная дума РФ призывает создать международную комиссию",  # div.short-story
        first_line_starts="Государственная дума РФ призывает создать международную комиссию",
        last_line=(
            "Ещё два дня назад эта территория находилась под контролем украинских силовиков и батальона «Айдар»."
        ),
        furniture=(
            "© RT видео",
            "фото: © РИА Новости",
            "Нашли ошибку в тексте",
            "Ранее на эту тему",
            "Правозащитники требуют расследования захоронений мирных жителей под Донецком",
            "Сегодня в СМИ",
            "Темы дня",
            "Почему у детей Стива Джобса не было iPad",
            "Мы будем вынуждены удалить",
        ),
    ),
]


@pytest.fixture(scope="session")
def outlets_dir() -> Path:
    return needed("outlets")


@pytest.fixture(scope="session")
def cleaned(outlets_dir: Path) -> dict[str, Article]:
    return {page.file: clean(Page(url=page.url, html=(outlets_dir / page.file).read_bytes())) for page in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=[page.file for page in PAGES])
def test_an_outlets_saved_page_cleans_to_what_the_page_says(page: SavedPage, cleaned: dict[str, Article]) -> None:
    article = cleaned[page.file]
    name = page.file.split("-")[0]
    assert f"{name}:body" in article.rules_fired, "the outlet's article container not found"
    assert article.title == page.title
    assert article.published_at is not None
    assert article.published_at.replace(second=0) == page.published_at
    assert article.authors == page.authors
    if page.lead_starts is None:
        assert article.lead is None
    else:
        assert article.lead is not None and article.lead.startswith(page.lead_starts)
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith(page.first_line_starts)
    assert paragraphs[-1].endswith(page.last_line)
    for furniture in page.furniture:
        assert furniture not in article.body


@pytest.mark.parametrize("page", PAGES, ids=[page.file for page in PAGES])
def test_no_invisible_character_reaches_any_field(page: SavedPage, cleaned: dict[str, Article]) -> None:
    article = cleaned[page.file]
    fields = [article.title or "", article.lead or "", article.body, *article.authors, *article.tags]
    invisible = {
        f"U+{ord(char):04X}"
        for text in fields
        for char in text
        if unicodedata.category(char) == "Cf" or (unicodedata.category(char) == "Cc" and char != "\n")
    }
    assert not invisible
