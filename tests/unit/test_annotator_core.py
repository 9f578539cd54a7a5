"""The annotator with the real natasha models: mentions, normal forms, entities."""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import FrozenInstanceError

import pytest

from agents.annotator import ANNOTATOR_VERSION, Annotation, Annotator, UnannotatableText, get_annotator
from agents.annotator.cpu import annotate_named, name_piece
from agents.annotator.pieces import DEFAULT_CHUNK_CHARS, text_pieces
from schemas.models import DateMention, MoneyMention, Quote
from streams.offload import CpuPool
from tests.articles import written_articles

ARTICLES = written_articles()
SURNAMES = {"Громов", "Рогулев", "Ковалева", "Фомина", "Котов", "Орлов", "Лебедев", "Зайцева", "Сергеева", "Власов",
            "Гусев", "Кларк", "Белова"}  # fmt: skip


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return get_annotator()


def names(annotation: Annotation) -> set[tuple[str, str]]:
    return {(entity.type, entity.name) for entity in annotation.entities}


@pytest.mark.parametrize(
    ("text", "mention", "normal"),
    [
        ("Песков рассказал о планах Владимира Путина на неделю.", "Владимира Путина", "Владимир Путин"),
        ("Путин поговорил с Дональдом Трампом по телефону.", "Дональдом Трампом", "Дональд Трамп"),
        ("Глава МИДа заявил о новых санкциях против Ирана.", "МИДа", "МИД"),
        ("Глава МИДа заявил о новых санкциях против Ирана.", "Ирана", "Иран"),
        (
            "Актёры Театра им. Евгения Вахтангова вышли на сцену.",
            "Театра им. Евгения Вахтангова",
            "Театр им. Евгения Вахтангова",
        ),
        (
            "Переговоры прошли в Министерстве иностранных дел Японии.",
            "Министерстве иностранных дел",
            "Министерство иностранных дел",
        ),
    ],
)
def test_mentions_are_put_in_the_nominative(annotator: Annotator, text: str, mention: str, normal: str) -> None:
    found = {m.text: m.normal for m in annotator.annotate(text).mentions}
    assert found.get(mention) == normal


def test_surname_and_full_name_are_one_person(annotator: Annotator) -> None:
    text = (
        "Путин встретился с губернатором. Владимир Путин отметил рост экономики. "
        "Пресс-секретарь президента России Владимира Путина сообщил об этом журналистам."
    )
    people = [e for e in annotator.annotate(text).entities if e.type == "PER"]
    assert [(e.name, e.count, e.first_offset) for e in people] == [("Владимир Путин", 3, 0)]


def test_aliases_and_bare_organisation_are_grouped(annotator: Annotator) -> None:
    text = (
        "Официальный представитель МИД России Мария Захарова ответила Лондону. "
        "В МИД также напомнили, что РФ не раз предлагала помощь. Власти России ждут ответа."
    )
    counts = {(e.type, e.name): e.count for e in annotator.annotate(text).entities}
    assert counts[("LOC", "Россия")] == 3
    assert counts[("ORG", "МИД России")] == 2
    assert counts[("PER", "Мария Захарова")] == 1


def test_acronyms_of_common_nouns_are_not_entities(annotator: Annotator) -> None:
    annotation = annotator.annotate("По данным греческих СМИ, Йоргос Папандреу ушёл в отставку.")
    assert [m.text for m in annotation.mentions] == ["Йоргос Папандреу"]


def test_alias_table_settles_the_type(annotator: Annotator) -> None:
    annotation = annotator.annotate("Власти Евросоюза и США обсудили меры. Страны ЕС поддержали решение.")
    assert [(m.text, m.type) for m in annotation.mentions if m.type == "ORG"] == [("Евросоюза", "ORG"), ("ЕС", "ORG")]
    assert ("ORG", "Евросоюз") in names(annotation)


def test_offsets_index_the_given_text(annotator: Annotator) -> None:
    for article in ARTICLES.values():
        text = article.body
        annotation = annotator.annotate(text, article.title)
        assert annotation.mentions, "every written article names someone"
        assert all(text[m.start : m.stop] == m.text for m in annotation.mentions)
        assert [m.start for m in annotation.mentions] == sorted(m.start for m in annotation.mentions)
        assert all(a.stop <= b.start for a, b in itertools.pairwise(annotation.mentions)), "mentions overlap"
        saliences = [e.salience for e in annotation.entities]
        assert saliences == sorted(saliences, reverse=True)
        assert sum(e.count for e in annotation.entities) == len(annotation.mentions)


def test_written_articles_name_the_expected_entities(annotator: Annotator) -> None:
    expected = {
        "accelerator": {("PER", "Михаил Лебедев"), ("PER", "Ирина Зайцева"), ("LOC", "Новосибирск"),
                        ("LOC", "Китай"), ("LOC", "Германия"), ("ORG", "Роскосмос")},
        "bridge": {("PER", "Олег Громов"), ("PER", "Юрий Рогулев"), ("PER", "Анна Ковалева"), ("LOC", "Тверь"),
                   ("LOC", "Волга"), ("LOC", "Россия"), ("ORG", "Министерство транспорта России")},
        "grain": {("PER", "Джеймс Кларк"), ("PER", "Марина Белова"), ("LOC", "Россия"), ("LOC", "Казахстан"),
                  ("LOC", "Астана"), ("ORG", "Reuters")},
        "square": {("PER", "Елена Фомина"), ("PER", "Павел Котов"), ("PER", "Алексей Орлов"),
                   ("LOC", "Екатеринбург"), ("ORG", "Росприроднадзор"), ("ORG", "Уралстройинвест")},
        "theatre": {("PER", "Наталья Сергеева"), ("PER", "Игорь Власов"), ("PER", "Александр Гусев"),
                    ("LOC", "Воронеж"), ("LOC", "Москва"), ("ORG", "Министерство культуры России")},
    }  # fmt: skip
    assert set(expected) == set(ARTICLES)
    for key, wanted in expected.items():
        found = names(annotator.annotate(ARTICLES[key].body, ARTICLES[key].title))
        assert wanted <= found, (key, wanted - found)
        assert not any(name in SURNAMES for _, name in found), (key, found)


def test_title_raises_salience_but_not_offsets(annotator: Annotator) -> None:
    body, title = ARTICLES["theatre"].body, ARTICLES["theatre"].title
    assert "Сергеева" in title and "Власов" not in title
    plain = annotator.annotate(body)
    titled = annotator.annotate(body, title)
    assert titled.mentions == plain.mentions
    salience = {e.name: e.salience for e in plain.entities}
    titled_salience = {e.name: e.salience for e in titled.entities}
    assert titled_salience["Наталья Сергеева"] > salience["Наталья Сергеева"]
    assert titled_salience["Игорь Власов"] == salience["Игорь Власов"]


def test_control_characters_do_not_shift_offsets(annotator: Annotator) -> None:
    text = "\x00\x07Президент\x0b России Владимир Путин\x1f прибыл в Сирию.\x7f"
    annotation = annotator.annotate(text)
    assert [(m.text, m.start) for m in annotation.mentions] == [
        ("России", text.index("России")),
        ("Владимир Путин", text.index("Владимир")),
        ("Сирию", text.index("Сирию")),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty text"),
        ("\n\n\x00", "empty text"),
        ("Donald Trump met Vladimir Putin in Helsinki on Monday.", "another language"),
    ],
)
def test_unannotatable_texts(annotator: Annotator, text: str, reason: str) -> None:
    with pytest.raises(UnannotatableText) as caught:
        annotator.annotate(text)
    assert caught.value.reason.startswith(reason)


def test_size_cap(annotator: Annotator) -> None:
    text = "Владимир Путин прибыл в Москву."
    with pytest.raises(UnannotatableText, match="too long"):
        annotator.annotate(text, max_chars=10)
    assert annotator.annotate(text, max_chars=len(text)).entities


def test_text_without_names(annotator: Annotator) -> None:
    assert annotator.annotate("Сегодня было тепло и солнечно, дул лёгкий ветер.") == Annotation([], [])


def test_quotes_dates_and_money_come_with_the_entities(annotator: Annotator) -> None:
    assert Annotation([], []).quotes == Annotation([], []).dates == Annotation([], []).money == []
    text = "Сергей Лавров прибыл в Вену. «Мы готовы к переговорам», — сказал Лавров 12 марта 2021 года."
    annotation = annotator.annotate(text)
    assert [(q.text, q.speaker_entity) for q in annotation.quotes] == [("Мы готовы к переговорам", "Сергей Лавров")]
    assert [(d.text, d.year, d.month, d.day) for d in annotation.dates] == [("12 марта 2021 года", 2021, 3, 12)]
    assert annotation.money == []


def test_unusable_title_is_ignored(annotator: Annotator) -> None:
    text = "Владимир Путин прибыл в Москву."
    assert annotator.annotate(text, "\x00") == annotator.annotate(text)


def test_annotation_is_frozen_and_picklable(annotator: Annotator) -> None:
    annotation = annotator.annotate("Сергей Лавров прилетел в Вашингтон.")
    with pytest.raises(FrozenInstanceError):
        annotation.mentions = []  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(annotation)) == annotation


def test_get_annotator_is_a_per_process_singleton(annotator: Annotator) -> None:
    assert get_annotator() is annotator
    assert isinstance(ANNOTATOR_VERSION, str) and ANNOTATOR_VERSION


def annotate_in_worker(text: str) -> Annotation:
    return get_annotator().annotate(text)


def test_annotates_in_a_fresh_worker_process(annotator: Annotator) -> None:
    text = "Сергей Лавров и Рекс Тиллерсон встретились в Вене."
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        assert pool.submit(annotate_in_worker, text).result(timeout=120) == annotator.annotate(text)


def test_stress_marks_do_not_reach_the_normal_form(annotator: Annotator) -> None:
    text = "Влади\u0301мир Пу\u0301тин прибыл в Москву."
    mentions = annotator.annotate(text).mentions
    assert next((m.text, m.normal) for m in mentions) == ("Влади\u0301мир Пу\u0301тин", "Владимир Путин")


def test_long_text_is_tagged_to_the_end(annotator: Annotator) -> None:
    body = ARTICLES["bridge"].body
    text = "\n\n".join([body] * (2 * DEFAULT_CHUNK_CHARS // len(body) + 2))
    assert len(text) > 2 * DEFAULT_CHUNK_CHARS
    annotation = annotator.annotate(text)
    assert max(m.start for m in annotation.mentions) > len(text) - len(body)
    single = {(e.type, e.name) for e in annotator.annotate(body).entities}
    assert {(e.type, e.name) for e in annotation.entities} == single


def test_a_long_text_annotated_in_pieces_is_annotated_as_a_whole(annotator: Annotator) -> None:
    bodies = itertools.cycle(article.body for article in ARTICLES.values())
    text = ""
    while len(text) <= 2 * DEFAULT_CHUNK_CHARS:
        text += next(bodies) + "\n\n"
    pieces = text_pieces(text)
    assert len(pieces) >= 3 and pieces[0][0] == 0 and pieces[-1][1] == len(text)
    named = [item for start, stop in pieces for item in annotator.named_mentions_in(text[start:stop], start)]
    assert all(text[item.mention.start:item.mention.stop] == item.mention.text for item in named)
    assert annotator.annotate(text, "Заголовок", named=named) == annotator.annotate(text, "Заголовок")


async def test_the_pieces_cpu_jobs_cross_process_boundaries(annotator: Annotator) -> None:
    text = "\n\n".join([ARTICLES["bridge"].body] * (DEFAULT_CHUNK_CHARS // len(ARTICLES["bridge"].body) + 2))
    pool = CpuPool(workers=1, timeout=120.0)
    try:
        named = []
        for start, stop in text_pieces(text):
            named += await pool.run(name_piece, text[start:stop], start, size=stop - start)
        annotation = await pool.run(annotate_named, text, None, 1_000_000, named)
    finally:
        await pool.close()
    assert annotation == annotator.annotate(text)


PIECES = [
    "Путин", "Лавров", "МИД", "России", "ООН", "«Газпром»", "(ЕС)", "•", ",", ".", "—", "\n", "\n\n", "\t",
    "\x00", "\x1b", "\u200b", "\u0301", "😀", "Trump", "NATO", "2017", "в", "и", "заявил", "Москве", "'", '"',
    "«", "»", "(", ")", "им.", "ОАО", "Сергей", "Владимира", "\u2028", "\ufeff", "ё", "Ё",
]  # fmt: skip


def test_odd_texts_never_crash(annotator: Annotator) -> None:
    generator = random.Random(20170128)
    mentions_seen = 0
    for _ in range(40):
        text = "".join(generator.choice(PIECES) + generator.choice(["", " "]) for _ in range(generator.randint(0, 80)))
        try:
            annotation = annotator.annotate(text, title=text[:40])
        except UnannotatableText as rejected:
            assert rejected.reason
            continue
        mentions_seen += len(annotation.mentions)
        for mention in annotation.mentions:
            assert 0 <= mention.start < mention.stop <= len(text)
            assert text[mention.start : mention.stop] == mention.text
            assert mention.normal.strip()
        assert sum(e.count for e in annotation.entities) == len(annotation.mentions)
        findings: list[Quote | DateMention | MoneyMention] = [*annotation.quotes, *annotation.dates, *annotation.money]
        for found in findings:
            assert 0 <= found.start < found.stop <= len(text)
            assert text[found.start : found.stop] == found.text
    assert mentions_seen > 0
