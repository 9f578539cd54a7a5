"""What a line of site furniture looks like, on any Russian news site.

Each pattern describes a kind of line (a photo credit, a currency-rate
ticker, a skip link, a share label), never a particular page. Patterns are
compiled once; all take a stripped line and are matched case-insensitively.
"""

from __future__ import annotations

import re

from agents.cleaner.blocks import ends_sentence, words


def _line(pattern: str) -> re.Pattern[str]:
    return re.compile(r"^(?:" + pattern + r")$", re.IGNORECASE)


_AGENCY = (
    r"reuters|ap|ap photo|afp|epa|epa-efe|efe|тасс|tass|итар-тасс|риа новости|ria novosti|sputnik|"
    r"интерфакс|getty images|getty|global look press|globallookpress\.com|shutterstock|depositphotos|"
    r"legion-media|legion media|east news|zuma|zuma press|zumapress\.com|pixstream|associated press|"
    r"bloomberg|anadolu|xinhua|синьхуа|коммерсантъ|известия|ведомости|рбк|rt|lori|фотобанк лори|pexels|"
    r"unsplash|wikimedia commons|wikimedia|wikipedia|википедия|кадр из видео|скриншот|архив|"
    r"пресс-служба|youtube|instagram|twitter|facebook|telegram|vk\.com|кремль|kremlin\.ru|"
    r"москва 24|m24\.ru|мвд|мчс|мчс россии|соцсети|социальные сети|istock|istockphoto|flickr|"
    r"photoxpress|фотохроника тасс|nasa|пресс-служба [^/]{2,40}|кадр [^/]{2,40}|из открытых источников|"
    r"открытые источники|личный архив|архив [^/]{2,30}"
)
_CREDIT_WORD = r"фото|фотография|photo|photos|иллюстрация|видео|video|источник фото|кадр|снимок|коллаж|инфографика"

CREDIT_LINE = _line(
    r"(?:©\s*|\(c\)\s*)?(?:(?:" + _CREDIT_WORD + r")\s*[:©]\s*.{1,90}|©\s*.{1,80}|"
    r"(?:" + _AGENCY + r")(?:\s*(?:/|,|\||&|\bи\b)\s*(?:" + _AGENCY + r"|[\w.\-]+(?:\s+[\w.\-]+){0,3}))*)\.?"
)
"""A line that is only a photo credit: "Reuters", "Фото: РИА Новости / А. Иванов", "© AP"."""

CAPTION_WITH_CREDIT = re.compile(
    r"\((?:фото|photo|фото и видео|видео|иллюстрация|кадр)\s*:[^()]{1,100}\)\s*$|"
    r"(?:^|[\s.])(?:фото|иллюстрация|изображение|картинка) (?:с сайта|из открытых источников|из архива)\s*\S{0,60}$|"
    r"(?:^|[\s.])(?:фото|photo|иллюстрация)\s*:?\s+(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:ru|com|ua|net|org|info|su|kz|by|рф)"
    r"\S{0,40}$|"
    r"(?:^|\s)(?:фото|photo)\s*:\s*[^.!?]{1,60}$",
    re.IGNORECASE,
)
"""A caption that carries its credit at the end: "... (Фото: AP/ТАСС)", "... Фото с сайта x.ru"."""

GALLERY_LINK = _line(
    r"на страницу галереи|(?:смотрите|смотреть|открыть|перейти в|вся|все)\s+(?:фото)?галерею|"
    r"фотогалерея|фоторепортаж|смотреть (?:все )?фото|все фото|\d+\s+фото|листать галерею|"
    r"(?:смотрите |смотреть )?(?:видео|фото)\s*(?:по теме)?|открыть в полном размере|увеличить(?: фото)?|"
    r"смотреть|читать дальше|читать далее|подробнее|читать полностью|далее|развернуть|показать (?:ещ[её]|полностью)"
)

RELATED_MARKER = _line(
    r"(?:(?:также|ещ[её]|читайте|смотрите|см\.)\s+(?:также\s+)?по теме|читайте также|читайте еще|читайте ещё|"
    r"смотрите также|см\. также|по теме|материалы по теме|новости по теме|статьи по теме|по теме:|"
    r"ссылки по теме|больше по теме|больше новостей по теме|еще новости по теме|ещё новости по теме|"
    r"похожие (?:новости|материалы|статьи|публикации)|связанные (?:новости|материалы|статьи)|"
    r"другие (?:новости|материалы|статьи) по теме|related|read more|читать также|хроника событий)"
    r"(?:\s*:)?"
)
"""The line that opens a related-stories box ("Также по теме"), alone on its line."""

RELATED_INLINE = re.compile(
    r"^(?:также по теме|читайте также|читай также|смотри также|читайте еще|читайте ещё|ещ[её] по теме|"
    r"смотрите также|см\. также|"
    r"по теме|подробнее|подробнее читайте|читать далее|читайте подробнее|новость по теме|читайте|"
    r"ранее на тему|ранее по теме|по теме также|смотрите|смотри|источник)\s*[:.—-]\s*\S",
    re.IGNORECASE,
)
"""A related-story link glued to its marker: "Читайте также: Минфин ..."."""

END_MARKER = _line(
    r"(?:лента новостей(?: \w+){0,2}|последние новости|новости партн[её]ров|сегодня в сми|"
    r"комментари[ий](?: к (?:новости|статье|материалу))?(?:\s*\(?\d*\)?)?|"
    r"(?:добавить|оставить|написать|ваш) комментари[ий]\w*|ваше мнение|а вы что думаете\??|"
    r"читайте (?:в|на) (?:разделе|сайте|рубрике).*|новости по теме|статьи по теме|другие новости(?: .{0,30})?|"
    r"все новости(?: .{0,30})?|похожие (?:новости|статьи|материалы|публикации)|материалы по теме|"
    r"ссылки по теме|больше по теме|больше новостей(?: .{0,30})?|"
    r"самое (?:читаемое|популярное|обсуждаемое|интересное)|"
    r"теги|метки|ключевые слова|тэги|авторы|рубрики|поделиться|поделитесь(?: с друзьями)?|"
    r"версия для печати|распечатать|в других сми|новости компаний|"
    r"обсуждение (?:материала|статьи|новости|темы)|обсудить (?:материал|статью|новость)|"
    r"другие материалы(?: рубрики| раздела)?|вам может быть интересно|"
    r"материалы партн[её]ров|реклама на сайте|партн[её]рские материалы|"
    r"все материалы(?: .{0,30})?|архив новостей|новости раздела|"
    r"предыдущая новость|следующая новость|подпишитесь на рассылку|подписка на новости|вход для подписчиков"
    r")(?:\s*[:»›>]+)?(?:\s*\(?\d+\)?)?"
)
"""A heading that starts the page furniture after an article ("Лента новостей", "Теги")."""

WEAK_END_MARKER = _line(
    r"(?:новости(?: \w+){0,2}|главное|главные новости|главные события|выбор редакции|популярное|читаемое|"
    r"обсуждаемое|интересное|рекомендуем(?: прочитать)?|не пропустите|хроника|источник|источники|печать|"
    r"обсуждение|обсудить|предыдущая|следующая|авторизация|регистрация|войти|поиск|форум"
    r")(?:\s*[:»›>]+)?(?:\s*\(?\d+\)?)?"
)
"""A word that may head furniture ("Главное", "Источник") or a section of the article itself."""


SKIP_LINK = _line(
    r"перейти к (?:основному )?(?:контенту|содержанию|содержимому|материалу|тексту)|skip to (?:main )?content|"
    r"к содержанию|перейти к новости|наверх|вернуться (?:назад|наверх|к .{1,40})|назад|вперед|вперёд|"
    r"главная|главная страница|на главную"
)

COUNTER = _line(r"[\d\s]{1,9}|\d+\s*(?:комментари\w*|просмотр\w*|показ\w*|views?|comments?)")

RUBRIC = _line(r"[А-ЯЁA-Z][а-яёa-z]+(?:[ -][а-яёa-z]+)?,")
"""A rubric label left alone on its line: "Политика,"."""

FEED_ITEM = re.compile(
    r"^[-–•·]?\s*(?:\d{1,2}\s+[а-яё]{3,8}\.?,?\s+|\d{1,2}\.\d{1,2}\.\d{2,4},?\s+)?(?:\d{4},?\s+)?"
    r"\d{1,2}:\d{2}(?:\s|$)|^[^.!?]{10,200}\s\[\d{1,7}\]$|"
    r"(?:^|\s)[А-ЯЁA-Z][а-яёa-z]+(?:\s[а-яёa-z]+)?,\s+(?:\d{1,2}\s+[а-яё]{3,8}\.?,?\s+)?\d{1,2}:\d{2}\s*$",
    re.IGNORECASE,
)
"""A news-feed entry: "17:57 Headline" or "Headline Общество, 17:57"."""

RATE_TICKER = re.compile(
    r"^(?:USD|EUR|CNY|GBP|JPY|CHF|KZT|UAH|BYN|Brent|WTI|Urals|Нефть|Золото|Gold|Bitcoin|BTC|ETH|ММВБ|РТС|"
    r"Мосбиржа|MOEX|IMOEX|RTS|Dow Jones|DJIA|Nasdaq|S&P\s?500|Доллар|Евро|Юань|\$|€)[^.!?\d]{0,30}?"
    r"[:\s]\s*[$€₽]?\s*\d[\d\s]*[.,]\d+\b.{0,30}$|^курс (?:евро|доллара|юаня|рубля|валют|бат|фунта)\b.{0,40}$",
    re.IGNORECASE,
)
"""A currency or market ticker line: "USD ЦБ: 77,50 (+0,12)", "Курс евро на 3 марта"."""

BYLINE = re.compile(
    r"^(?:автор|авторы|текст|фото|фотограф|опубликовано|опубликован|добавлено|обновлено|изменено|"
    r"дата публикации|дата|время публикации|источник|просмотров|просмотры|комментариев|рубрика|раздел|"
    r"прочитано|просмотрено|прочтений|показов|"
    r"версия для печати|ссылка|корреспондент|редактор|подготовил[аи]?|материал подготовил[аи]?)"
    r"\s*:\s*.{0,80}$|^(?:автор|источник|фото)\s*:?$",
    re.IGNORECASE,
)

SHARE_WIDGET = _line(
    r"(?:поделиться|рассказать друзьям|отправить другу|share|tweet|твитнуть|нравится|мне нравится|like|"
    r"в закладки|добавить в (?:закладки|избранное|блог)|распечатать|печать|версия для печати|"
    r"сообщить об ошибке|нашли ошибку\??.{0,80}|подписаться|подписка|e-mail|email|rss|"
    r"рекомендовать (?:сайт |статью |новость |материал )?друзьям\.?|"
    r"(?:для этого )?(?:просто )?нажмите на кнопку (?:той )?социальной сети.{0,80}|"
    r"код для (?:размещения|вставки) (?:ссылки|на сайт|в блог).{0,40}|"
    r"vk|вконтакте|ok|одноклассники|facebook|twitter|telegram|livejournal|жж|мой мир|google\+?|"
    r"whatsapp|viber|pinterest|linkedin|дзен|яндекс\.?дзен|\d+|[|•·/\s])"
    r"(?:[\s|•·/,]+(?:поделиться|vk|вконтакте|ok|одноклассники|facebook|twitter|telegram|livejournal|жж|"
    r"мой мир|google\+?|whatsapp|viber|pinterest|linkedin|дзен|e-mail|email|rss|\d+))*"
)

VIDEO_ERROR = re.compile(
    r"^(?:ошибка воспроизведения видео|видео недоступно|для просмотра видео|ваш браузер не поддерживает|"
    r"включите javascript|javascript (?:is )?disabled|please enable javascript|загрузка\.\.\.|loading\.\.\.)",
    re.IGNORECASE,
)

PROMO = re.compile(
    r"^(?:пройти тест|это займ[её]т (?:всего )?\d+ минут\w*|реклама|advertisement|на правах рекламы|"
    r"партн[её]рский материал|спецпроект|промо|прямой эфир|смотрите в прямом эфире|онлайн-трансляция)\.?$|"
    r"^(?:публикуем|подписывайтесь|подпишитесь|читайте|следите|присоединяйтесь|смотрите|ищите|"
    r"мы в|наш канал|наш telegram|больше новостей)\b.{0,100}\b(?:twitter|telegram|телеграм\w*|вконтакте|"
    r"vk|дзен\w*|facebook|фейсбук\w*|instagram|инстаграм\w*|youtube|ютуб\w*|ok\.ru|одноклассник\w*|соцсет\w+|"
    r"социальных сет\w+|max|viber|whatsapp|канал\w*)\b.{0,60}$",
    re.IGNORECASE,
)
"""Quiz, live-stream and social-network promos."""

DISCLAIMER = re.compile(
    r"(?:не отража\w+|может не совпадать с|не обязательно совпадает с)\s+(?:\w+\s+){0,3}"
    r"(?:позици\w+|точк\w+ зрения|мнени\w+)|"
    r"содерж\w+ оценки исключительно|"
    r"^(?:вся информация, размещ[её]нная|все права (?:защищены|на материалы)|при (?:любом )?использовании|"
    r"при (?:полном или частичном )?(?:копировании|цитировании|перепечатке)|перепечатка|копирование)\b|"
    r"все права защищены|all rights reserved|^(?:©|\(c\)|copyright)\s*\S",
    re.IGNORECASE,
)
"""Editorial disclaimers and copyright footers."""

IMPRINT = re.compile(
    r"^(?:свидетельство о регистрации|зарегистрировано|регистрационный номер|адрес редакции|адрес учредителя|"
    r"адрес дирекции|телефон редакции|телефон|тел\.|факс|e-?mail|учредитель|главный редактор|"
    r"и\.?\s?о\.? главного редактора|издатель|распространяется бесплатно|редакция не нес[её]т ответственности|"
    r"размещение рекламы|реклама на сайте|по вопросам (?:рекламы|размещения|сотрудничества|"
    r"информационного партн[её]рства)|icq|skype|почтовый адрес|для писем|ооо «|ооо \"|зао «|зао \"|"
    r"сетевое издание|средство массовой информации|сми зарегистрировано|возрастная категория|\d{1,2}\+$)",
    re.IGNORECASE,
)
"""The publisher's imprint in the footer: registration, addresses, phones, editors."""

POST_META = re.compile(
    r"(?:(?:запись|новость|статья|материал) (?:была )?(?:оставлена|опубликована|размещена|добавлена)\b.{0,80}"
    r"\b(?:в (?:категории|рубрике|разделе)|автором)|вы можете (?:читать|следить|оставить|написать|добавить)\b.{0,40}"
    r"\b(?:комментари|ответ)|свой комментарий вы можете|комментарии (?:закрыты|отключены)|"
    r"для (?:добавления|написания) комментари\w+ (?:необходимо|нужно|требуется)|"
    r"^пока (?:нет комментариев|комментариев нет)|^(?:будьте|станьте) первым\b)",
    re.IGNORECASE,
)
"""Blog-engine lines about the post itself: "Новость была оставлена ... в категории ...", comment forms."""

BREADCRUMB = re.compile(
    r"^(?:/{1,2}|›|»|→|>)\s*[\w ,.-]{1,40}$|^[\w ,.-]{1,30}(?:\s*(?:›|»|→|/{2}|\s>\s)\s*[\w ,.-]{1,30}){1,5}$"
)
"""Rubric crumbs: "//Здоровье", "Главная › Новости › Общество"."""

SOURCE_TEASER = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:ru|com|net|org|ua|info|su|kz|by|рф|tv|biz):\s+\S")
"""An aggregator's teaser of another site's story: "lenta.ru: Международная группа ..."."""

_DATE_NOISE = re.compile(
    r"\d+|[а-яё]*(?:январ|феврал|март|апрел|мая|май|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-яё]*|"
    r"\b(?:янв|фев|мар|апр|июн|июл|авг|сен|сент|окт|ноя|дек)\b|"
    r"\b(?:г|года|год|гг|в|мск|сегодня|вчера|обновлено|опубликовано|добавлено|изменено|дата|время|"
    r"публикации|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|пн|вт|ср|чт|пт|сб|вс|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\w+day|am|pm|utc|gmt)\b",
    re.IGNORECASE,
)


def is_dateline(text: str) -> bool:
    """A line that holds only a date and/or time ("28.11.11 16:58", "17 января 2012, 14:30")."""
    if len(text) > 70 or not any(ch.isdigit() for ch in text):
        return False
    rest = _DATE_NOISE.sub(" ", text)
    return not any(ch.isalpha() for ch in rest)


def is_credit(text: str) -> bool:
    return len(text) <= 120 and bool(CREDIT_LINE.match(text))


def is_headline_like(text: str) -> bool:
    """A short line that reads like a headline: several words, no closing full stop."""
    return len(words(text)) >= 2 and len(text) <= 220 and not ends_sentence(text.rstrip('»"”'))


def is_teaser(text: str) -> bool:
    """The cut-off teaser of a related story: ends in an ellipsis."""
    stripped = text.rstrip()
    return len(stripped) <= 400 and (stripped.endswith("...") or stripped.endswith("…"))


def is_furniture_line(text: str) -> str | None:
    """The kind of furniture a single line is, or None for article text."""
    if len(text) > 300:
        return "disclaimer" if len(text) <= 600 and DISCLAIMER.search(text) else None
    for name, pattern in _LINE_KINDS:
        if pattern.search(text):
            return name
    if is_dateline(text):
        return "dateline"
    return None


_LINE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("skip-link", SKIP_LINK),
    ("counter", COUNTER),
    ("rubric", RUBRIC),
    ("gallery-link", GALLERY_LINK),
    ("rate-ticker", RATE_TICKER),
    ("feed-item", FEED_ITEM),
    ("video-error", VIDEO_ERROR),
    ("promo", PROMO),
    ("disclaimer", DISCLAIMER),
    ("imprint", IMPRINT),
    ("post-meta", POST_META),
    ("breadcrumb", BREADCRUMB),
    ("byline", BYLINE),
    ("share-widget", SHARE_WIDGET),
    ("related-inline", RELATED_INLINE),
)
