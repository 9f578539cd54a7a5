"""Span repairs on hand-made spans: each repair fixes one shape of NER mistake."""

from __future__ import annotations

from natasha.doc import DocToken
from razdel import tokenize

from agents.annotator.nlp import AnalysedTokens
from agents.annotator.repair import SURFACE_REPAIRS, attach_relational_adjectives, drop_nameless, repair_spans
from agents.annotator.spans import Span, Token, TokenIndex, TokenRun


def index_of(text: str) -> TokenIndex:
    return TokenIndex(text, [Token(token.start, token.stop, token.text) for token in tokenize(text)])


def span(text: str, part: str, kind: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return Span(start, start + len(part), kind)


def repaired(text: str, *spans: Span) -> list[tuple[str, str]]:
    return [(text[s.start : s.stop], s.type) for s in repair_spans(index_of(text), spans)]


def test_bullets_and_line_breaks_end_a_name() -> None:
    text = "Мальта • Монако • Намибия\n\nВсе страны"
    assert repaired(text, span(text, "Мальта • Монако • Намибия\n\nВсе", "LOC")) == [
        ("Мальта", "LOC"),
        ("Монако", "LOC"),
        ("Намибия", "LOC"),
        ("Все", "LOC"),
    ]


def test_commas_separate_names() -> None:
    text = "Сёмин (Овечкин, Фёдоров)"
    assert repaired(text, span(text, "Овечкин, Фёдоров", "PER")) == [("Овечкин", "PER"), ("Фёдоров", "PER")]


def test_bracketed_acronym_is_a_name_of_its_own() -> None:
    text = "Об этом сообщает Комитет защиты журналистов (КЗЖ) в докладе."
    assert repaired(text, span(text, "Комитет защиты журналистов (КЗЖ)", "ORG")) == [
        ("Комитет защиты журналистов", "ORG"),
        ("КЗЖ", "ORG"),
    ]


def test_bracketed_translation_of_a_person() -> None:
    text = "сказал Скотт Хоровитц (Scott Horowitz), бывший астронавт"
    assert repaired(text, span(text, "Скотт Хоровитц (Scott Horowitz)", "PER")) == [
        ("Скотт Хоровитц", "PER"),
        ("Scott Horowitz", "PER"),
    ]


def test_legal_form_before_quoted_name_is_dropped() -> None:
    text = "глава ОАО «Газпром» Алексей Миллер и РИА «Новости»"
    assert repaired(text, span(text, "ОАО «Газпром»", "ORG"), span(text, "РИА «Новости»", "ORG")) == [
        ("Газпром", "ORG"),
        ("Новости", "ORG"),
    ]


def test_name_before_quoted_name_is_kept_apart() -> None:
    text = "сказал в интервью Русской службе «Голоса Америки» лидер"
    assert repaired(text, span(text, "Русской службе «Голоса Америки", "ORG")) == [
        ("Русской службе", "ORG"),
        ("Голоса Америки", "ORG"),
    ]


def test_apostrophe_inside_a_name_is_not_a_quote() -> None:
    text = "заявил глава Business NZ Фил О’Рейли."
    assert repaired(text, span(text, "Фил О’Рейли", "PER")) == [("Фил О’Рейли", "PER")]


def test_unquoted_descriptor_is_cut_but_not_a_name_word() -> None:
    text = "цитирует ИА Regnum, а Банк России молчит"
    assert repaired(text, span(text, "ИА Regnum", "ORG"), span(text, "Банк России", "ORG")) == [
        ("Regnum", "ORG"),
        ("Банк России", "ORG"),
    ]


def test_stray_punctuation_is_trimmed() -> None:
    text = "представители ПАСЕ (Парламентской ассамблеи"
    assert repaired(text, span(text, "ПАСЕ (", "ORG")) == [("ПАСЕ", "ORG")]


def test_named_after_person_joins_the_organisation() -> None:
    text = "солисты Театра им. Йозефа Бойса (Германия)"
    assert repaired(text, span(text, "Театра им.", "ORG"), span(text, "Йозефа Бойса", "PER")) == [
        ("Театра им. Йозефа Бойса", "ORG"),
    ]


def test_person_after_organisation_stays_a_person() -> None:
    text = "глава МИД Сергей Лавров"
    assert repaired(text, span(text, "МИД", "ORG"), span(text, "Сергей Лавров", "PER")) == [
        ("МИД", "ORG"),
        ("Сергей Лавров", "PER"),
    ]


def test_repairs_keep_spans_on_token_bounds() -> None:
    text = "Встреча с послом Италии в миде Грузии"
    index = index_of(text)
    spans = [Span(17, 21, "LOC"), Span(26, 36, "ORG")]  # cut inside "Италии" and "Грузии"
    result = repair_spans(index, spans, SURFACE_REPAIRS)
    bounds = {token.start for token in index.tokens} | {token.stop for token in index.tokens}
    assert [(s.start in bounds, s.stop in bounds) for s in result] == [(True, True), (True, True)]
    assert [text[s.start : s.stop] for s in result] == ["Италии", "миде Грузии"]


def run_of(index: TokenIndex, span: Span) -> TokenRun:
    run = index.run_of(span)
    assert run is not None
    return run


def analysed(index: TokenIndex, tags: list[tuple[str, dict[str, str]]]) -> AnalysedTokens:
    return AnalysedTokens(
        [
            DocToken(token.start, token.stop, token.text, pos=pos, feats=feats)
            for token, (pos, feats) in zip(index.tokens, tags, strict=True)
        ]
    )


GEN_MASC = {"Case": "Gen", "Gender": "Masc", "Number": "Sing"}


def test_relational_adjective_joins_organisation() -> None:
    index = index_of("глава японского МИДа")
    tags = [("NOUN", {"Case": "Nom"}), ("ADJ", GEN_MASC), ("PROPN", GEN_MASC)]
    runs = attach_relational_adjectives(index, [run_of(index, Span(16, 20, "ORG"))], analysed(index, tags))
    assert [index.span_of(run) for run in runs] == [Span(6, 20, "ORG")]


def test_quality_adjective_does_not_join() -> None:
    index = index_of("члены нового Конгресса")
    tags = [("NOUN", {"Case": "Nom"}), ("ADJ", GEN_MASC), ("PROPN", GEN_MASC)]
    runs = attach_relational_adjectives(index, [run_of(index, Span(13, 22, "ORG"))], analysed(index, tags))
    assert [index.span_of(run) for run in runs] == [Span(13, 22, "ORG")]


def test_span_without_a_noun_is_dropped() -> None:
    index = index_of("Все Москва")
    tags = [("DET", {}), ("PROPN", {"Case": "Nom"})]
    runs = [run_of(index, Span(0, 3, "LOC")), run_of(index, Span(4, 10, "LOC"))]
    kept = drop_nameless(index, runs, analysed(index, tags))
    assert [index.span_of(run) for run in kept] == [Span(4, 10, "LOC")]
