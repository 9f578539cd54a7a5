"""A page as a naive extractor gets it, plain text with the site's furniture in it, cleaned."""

from __future__ import annotations

from agents.cleaner import Page, clean
from vestnik.evaluation.cleaner import furniture_in

# A caption, a photo credit and a related-stories block, on lines of their own with the spaces around them
# that extractors leave, and an editor's note broken by a link.
PAGE = "\n".join([
    "В Твери к концу 2018 года откроют Западный мост через Волгу",
    "Губернатор Тверской области Олег Громов 31 октября 2017 года осмотрел строительство Западного моста через "
    "Волгу и пообещал, что движение по нему откроют до конца следующего года.",
    "«Мост будет готов в срок. Подрядчик уверяет, что отставания от графика нет», — сказал Громов журналистам "
    "после осмотра площадки.",
    " Строительство Западного моста через Волгу в Твери ",
    " РИА Новости ",
    "Строительство началось в июле 2017 года. Стоимость работ оценивается в 4,2 млрд рублей, из них 3 млрд рублей "
    "выделил федеральный бюджет (остальное — бюджет области. — ",
    "RT",
    "). Генеральным подрядчиком выступает компания «Мостострой-11».",
    " Также по теме ",
    " В Твери отремонтируют Восточный мост ",
    " Ремонт Восточного моста через Волгу начнётся весной и продлится... ",
    "Директор компании Юрий Рогулев сообщил, что на площадке сейчас работают 400 человек и 60 единиц техники.",
    "Мэр Твери Анна Ковалева напомнила, что Восточный мост, единственный в центре города, перегружен уже много лет.",
])  # fmt: skip


def test_broken_editor_notes_are_joined_back() -> None:
    article = clean(Page(text=PAGE))
    assert "(остальное — бюджет области. — RT). Генеральным подрядчиком" in article.body
    assert "text:join-editor-notes" in article.rules_fired
    assert "\nRT\n" not in article.body


def test_paragraphs_are_separated_by_one_blank_line_and_the_furniture_is_gone() -> None:
    article = clean(Page(text=PAGE))
    assert article.title == "В Твери к концу 2018 года откроют Западный мост через Волгу"
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == 5
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert paragraphs[0].startswith("Губернатор") and paragraphs[-1].startswith("Мэр Твери")
    for furniture in ("Западного моста через Волгу в Твери", "РИА Новости", "Также по теме", "отремонтируют"):
        assert furniture not in article.body
    assert furniture_in(article.body) == []
