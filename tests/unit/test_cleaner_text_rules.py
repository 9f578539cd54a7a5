"""The generic text rules, each on a small page of its own (invented text, site-shaped furniture)."""

from __future__ import annotations

from agents.cleaner import Page, clean
from agents.cleaner.blocks import Block, blocks_from_text
from agents.cleaner.embeds import join_fragments, tweets_from_blocks
from agents.cleaner.textrules import (
    cut_at_end_marker,
    drop_captions,
    drop_furniture_lines,
    drop_inline_related,
    drop_link_lists,
    drop_related_boxes,
    drop_teaser_feeds,
    join_editor_notes,
)

P1 = "Городские власти объявили о начале ремонта центральной площади, работы продлятся до конца лета."
P2 = "По словам чиновников, на время ремонта движение транспорта по соседним улицам будет ограничено."
P3 = "Жители смогут обсудить проект благоустройства на публичных слушаниях в следующем месяце."


def texts(blocks: list[Block]) -> list[str]:
    return [block.text.strip() for block in blocks]


def lines(*items: str) -> list[Block]:
    return [Block(item) for item in items]


def test_editor_note_split_by_a_link_is_joined() -> None:
    joined = join_editor_notes(lines("«Они (власти. — ", "RT", ") обещали помочь», — сказал он.", P1))
    assert texts(joined) == ["«Они (власти. — RT) обещали помочь», — сказал он.", P1]


def test_editor_notes_chained_in_one_paragraph_are_all_joined() -> None:
    blocks = lines("«Он (мэр. — ", "Ред.", ") верит, что мы с нашими (городскими. — ", "Ред.", ") службами справимся».")
    assert texts(join_editor_notes(blocks)) == [
        "«Он (мэр. — Ред.) верит, что мы с нашими (городскими. — Ред.) службами справимся»."
    ]


def test_editor_note_with_dash_on_the_middle_line() -> None:
    joined = join_editor_notes(lines("(теракт 1 мая. ", "— RT", "). Как сделать всё", P2))
    assert texts(joined)[0] == "(теракт 1 мая. — RT). Как сделать всё"


def test_related_box_marker_headline_and_teaser_are_dropped() -> None:
    blocks = lines(
        P1,
        " Также по теме ",
        " Власти назвали сроки ремонта моста ",
        " Мэрия сообщила, что ремонт моста начнётся в мае и займёт... ",
        P2,
    )
    assert texts(drop_related_boxes(blocks)) == [P1, P2]


def test_related_box_keeps_a_following_subheading_when_the_item_had_a_teaser() -> None:
    blocks = lines(
        P1,
        "Читайте также",
        "Новый парк откроют в июне",
        "Строители завершают работы в парке и обещают...",
        "Что дальше",
        P2,
    )
    assert texts(drop_related_boxes(blocks)) == [P1, "Что дальше", P2]


def test_related_links_list_in_html_is_dropped_by_link_share() -> None:
    blocks = [
        Block(P1),
        Block("Ещё по теме"),
        Block("Первая ссылка на новость", 1.0),
        Block("Вторая ссылка на новость", 1.0),
        Block(P2),
    ]
    assert texts(drop_related_boxes(blocks)) == [P1, P2]


def test_inline_related_link_line_is_dropped_but_dialogue_stays() -> None:
    blocks = lines(P1, "- В мэрии назвали ремонт площади главным проектом года", "— Мы справимся, — ответил он.", P2)
    assert texts(drop_inline_related(blocks)) == [P1, "— Мы справимся, — ответил он.", P2]


def test_caption_and_credit_lines_are_dropped() -> None:
    blocks = lines(
        P1,
        " Центральная площадь города ",
        " Reuters ",
        P2,
        "Мэр на площади",
        "Мэр на площади (Фото: Иван Иванов/Пресс-служба)",
        P3,
    )
    assert texts(drop_captions(blocks)) == [P1, P2, P3]


def test_a_paragraph_before_a_credit_is_not_a_caption() -> None:
    blocks = lines(P1, "Фото: РИА Новости / Пётр Петров", P2)
    assert texts(drop_captions(blocks)) == [P1, P2]


def test_ticker_skip_link_gallery_and_promo_lines_are_dropped() -> None:
    blocks = lines(
        "Перейти к основному контенту", "Политика,", "0", P1, "На страницу галереи", "EUR ЦБ: 90,16 (-0,38)",
        "Курс доллара на 20 января", "Инвестиции, 19 янв, 17:49",
        "Ошибка воспроизведения видео. Пожалуйста, обновите ваш браузер.",
        "Читайте нас в Telegram", "Фото: Пётр Петров", "17.01.2012 | 17:17", P2,
    )  # fmt: skip
    assert texts(drop_furniture_lines(blocks)) == [P1, P2]


def test_disclaimer_and_imprint_lines_are_dropped() -> None:
    blocks = lines(
        P1,
        "Мнение автора может не совпадать с позицией редакции",
        "Адрес редакции: Москва, ул. Ленина, 1",
        "© 2024 Городская газета",
        P2,
    )
    assert texts(drop_furniture_lines(blocks)) == [P1, P2]


def test_everything_after_an_end_marker_goes_once_the_article_has_begun() -> None:
    blocks = lines(P1, P2, P3, "Лента новостей", "Курс евро на 20 января", "Новость про спорт Спорт, 17:48")
    assert texts(cut_at_end_marker(blocks)) == [P1, P2, P3]


def test_an_end_marker_before_the_article_does_not_cut_it() -> None:
    blocks = lines("Новости", P1, P2)
    assert texts(cut_at_end_marker(blocks)) == ["Новости", P1, P2]


def test_feed_of_headlines_with_teasers_is_dropped() -> None:
    blocks = [Block(P1)]
    for n in range(3):
        blocks += [
            Block(f"10:1{n} Заголовок другой новости номер {n}", 0.9),
            Block(f"Короткий анонс другой новости номер {n}."),
        ]
    blocks.append(Block(P2))
    assert texts(drop_teaser_feeds(blocks)) == [P1, P2]


def test_runs_of_link_lines_are_dropped_but_a_single_link_stays() -> None:
    blocks = [Block(P1), Block("Один", 1.0), Block(P2), Block("Меню раз", 1.0), Block("Меню два", 1.0), Block(P3)]
    assert texts(drop_link_lists(blocks)) == [P1, "Один", P2, P3]


def test_tweet_with_hashtag_on_its_own_line_becomes_an_embed() -> None:
    blocks = blocks_from_text(
        f"{P1}\nMet the mayor of the city who was at \n#CityDay\n celebrations. Good talks.\n"
        f"— Jane Roe (@janeroe) \nMarch 3, 2019\n{P2}"
    )
    kept, embeds = tweets_from_blocks(blocks)
    assert texts(kept) == [P1, P2]
    assert len(embeds) == 1
    tweet = embeds[0]
    assert (tweet.kind, tweet.author, tweet.handle, tweet.date) == ("tweet", "Jane Roe", "@janeroe", "2019-03-03")
    assert tweet.text == "Met the mayor of the city who was at #CityDay celebrations. Good talks."


def test_tweet_signature_with_russian_date_on_the_same_line() -> None:
    blocks = lines(
        P1, "Короткий текст поста в соцсети pic.twitter.com/abc", "— Иван Петров (@ivanpetrov) 28 января 2017 г.", P2
    )
    kept, embeds = tweets_from_blocks(blocks)
    assert texts(kept) == [P1, P2]
    assert embeds[0].date == "2017-01-28"
    assert embeds[0].text == "Короткий текст поста в соцсети pic.twitter.com/abc"


def test_fragments_join_without_space_before_punctuation() -> None:
    assert (
        join_fragments(["upping the sanctions against ", "#NoKo", ". Said he"])
        == "upping the sanctions against #NoKo. Said he"
    )


def test_plain_text_title_is_the_headline_above_the_first_paragraph() -> None:
    text = f"Перейти к основному контенту\nОбщество,\n12\n\nВ городе начался ремонт площади\n\n{P1}\n\n{P2}\n\n{P3}"
    article = clean(Page(text=text))
    assert article.title == "В городе начался ремонт площади"
    assert article.body == f"{P1}\n\n{P2}\n\n{P3}"


def test_rules_that_fired_are_named() -> None:
    article = clean(Page(text=f"{P1}\nТакже по теме\nДругая новость о ремонте\nАнонс другой новости о...\n{P2}\n{P3}"))
    assert "text:related-box" in article.rules_fired
    assert article.body == f"{P1}\n\n{P2}\n\n{P3}"
