"""Pages of the demo site: a seed's lines, classified with its gold, rendered in each real site's markup.

A line (or run of lines) that makes up a gold body paragraph, the gold title or a gold embed is article
content; every other line is site furniture, rendered in the block the real site puts it in, or in a
neutral `div.aside` where its kind is not recognised.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

HOME = {
    "russian.rt.com": "https://russian.rt.com/",
    "rbc.ru": "https://www.rbc.ru/",
    "inotv.rt.com": "https://russian.rt.com/inotv/",
    "unknown": "https://news.example.org/",
}
NAME = {"russian.rt.com": "RT на русском", "rbc.ru": "РБК", "inotv.rt.com": "ИноТВ", "unknown": "Новости"}
# Where each site's article text lives (the tests look there for the gold body).
BODY_XPATH = {
    "russian.rt.com": '//div[contains(@class, "article__text_article-page")]',
    "rbc.ru": '//div[@itemprop="articleBody"]',
    "inotv.rt.com": '//div[contains(@class, "article__text")]',
    "unknown": "//article",
}
H1_CLASS = {
    "russian.rt.com": "article__heading article__heading_article-page",
    "rbc.ru": "article__header__title-in js-slide-title",
    "inotv.rt.com": "article__title",
    "unknown": "headline",
}
CREDIT = re.compile(r"^(Reuters|AFP|AP|EPA|Getty Images|ТАСС|РИА Новости|Global Look Press)$|\(?Фото:")
RATE = re.compile(r"^[A-Z]{3} ЦБ:")
FEED_ITEM = re.compile(r"^(.*\S)\s+(\S+,\s*\d{1,2}:\d{2})\s*$")
TWEET_TOKEN = re.compile(r"#\w+|@\w+|pic\.twitter\.com/\w+")
LABELS = {
    "rbc.ru": {"Авторы": "article__authors", "Теги": "article__tags", "Прямой эфир": "live-tv-popup"},
    "inotv.rt.com": {
        "источник": "article__sources",
        "теги": "article__tags",
        "Сегодня в СМИ": "widget widget_smi",
        "Лента новостей RT": "widget widget_rt-feed",
        "Новости партнёров": "widget widget_partners",
    },
}


def norm(text: str) -> str:
    return " ".join(text.split())


def _t(text: str) -> str:
    return escape(text.strip(), quote=False)


@dataclass
class Segment:
    kind: str  # "title" | "para" | "embed" | "furniture"
    lines: list[str]
    tail: list[str] = field(default_factory=list)  # an embed's attribution lines
    embed: dict[str, Any] | None = None


def _match(lines: list[str], i: int, target: str) -> int:
    """End (exclusive) of the run of lines from i whose concatenation is `target`, else 0."""
    want, acc = norm(target), ""
    for j in range(i, min(i + 8, len(lines))):
        if not lines[j].strip():
            return 0
        acc += lines[j]
        if norm(acc) == want:
            return j + 1
        if not want.startswith(norm(acc)):
            return 0
    return 0


def classify(lines: list[str], gold: dict[str, Any]) -> tuple[list[Segment], list[str]]:
    """Segments of a seed in page order, and the gold paragraphs/embeds no line run matched."""
    paras: list[str] = gold["body"].split("\n\n")
    embeds: list[dict[str, Any]] = gold.get("embeds") or []
    title, segs, k, e, i = gold.get("title"), [], 0, 0, 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if title and norm(line) == norm(title):
            segs.append(Segment("title", [line]))
            title, i = None, i + 1
            continue
        for kk in range(k, min(k + 3, len(paras))):
            if end := _match(lines, i, paras[kk]):
                segs.append(Segment("para", lines[i:end]))
                k, i = kk + 1, end
                break
        else:
            if e < len(embeds) and (end := _match(lines, i, embeds[e]["text"])):
                j, rest = end, [*lines[end : end + 2], "", ""]
                if rest[0].lstrip()[:1] in "—-" and embeds[e].get("handle", "@") in rest[0]:
                    j += 1 + bool(not re.search(r"\d{4}", rest[0]) and re.search(r"\d{4}", rest[1]))
                segs.append(Segment("embed", lines[i:end], lines[end:j], embeds[e]))
                e, i = e + 1, j
            else:
                if segs and segs[-1].kind == "furniture":
                    segs[-1].lines.append(line)
                else:
                    segs.append(Segment("furniture", [line]))
                i += 1
    placed = {norm("".join(s.lines)) for s in segs if s.kind == "para"}
    return segs, [p for p in paras if norm(p) not in placed] + [m["text"] for m in embeds[e:]]


def _para(site: str, parts: list[str]) -> str:
    """One paragraph; the inner lines of a broken one (an editor's note such as "— RT") are inline links."""
    if len(parts) == 1:
        return _t(parts[0])
    html = escape(parts[0].lstrip(), quote=False)
    for mid in parts[1:-1]:
        if m := re.fullmatch(r"(\s*(?:[—–-]\s*)?)(\S{1,12})(\s*)", mid):
            html += f'{escape(m[1], quote=False)}<a href="{HOME[site]}">{escape(m[2], quote=False)}</a>{m[3]}'
        else:
            html += escape(mid, quote=False)
    return html + escape(parts[-1].rstrip(), quote=False)


def _subheading(text: str) -> bool:
    return len(text) < 90 and not re.search(r"[.!?…:;,]$", text.strip())


def _tweet(seg: Segment) -> str:
    def link(m: re.Match[str]) -> str:
        tok = m[0]
        href = {"#": f"https://twitter.com/hashtag/{tok[1:]}?src=hash", "@": f"https://twitter.com/{tok[1:]}"}
        return f'<a href="{href.get(tok[0], "https://" + tok)}">{tok}</a>'

    text = "".join(TWEET_TOKEN.sub(link, escape(p, quote=False)) for p in seg.lines).strip()
    emb, tail = seg.embed or {}, [t.strip() for t in seg.tail]
    handle = emb.get("handle", "@twitter").lstrip("@")
    if len(tail) > 1:
        who, date = tail[0], tail[1]
    elif tail:
        who, _, date = tail[0].rpartition(")")
        who, date = who + ")", date.strip()
    else:
        who, date = f"{emb.get('author', '')} (@{handle})", emb.get("date", "")
    status = int(hashlib.sha1("".join(seg.lines).encode()).hexdigest()[:15], 16)
    who = escape(who.lstrip("—- "), quote=False)
    return (
        f'<blockquote class="twitter-tweet" data-lang="ru"><p lang="en" dir="ltr">{text}</p>&mdash; {who} '
        f'<a href="https://twitter.com/{handle}/status/{status}">{escape(date, quote=False)}</a></blockquote>'
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    )


def _figure(site: str, caption: str, credit: str) -> str:
    cap, cred = _t(caption), _t(credit)
    if site == "russian.rt.com":
        return (
            '<div class="article__cover"><img class="article__cover-image" src="https://cdni.rt.com/russian/'
            f'images/cover.jpg" alt=""><div class="media__caption">{cap} '
            f'<span class="media__copyright">{cred}</span></div></div>'
        )
    if site == "rbc.ru":
        return (
            f'<div class="article__main-image"><img class="article__main-image__image" src="https://s0.rbk.ru/'
            f'v6_top_pics/media/img/photo.jpg" alt="{escape(caption.strip())}">'
            f'<div class="article__main-image__title">{cap}</div>'
            f'<div class="article__main-image__author">{cred}</div></div>'
        )
    return (
        f'<figure class="article__image"><img src="{HOME[site]}static/photo.jpg" alt=""><figcaption>'
        f'{cap} <span class="article__image-credit">{cred}</span></figcaption></figure>'
    )


def _rbc_feed(lines: list[str]) -> str:
    out, i = ['<div class="news-feed"><div class="news-feed__title">Лента новостей</div>'], 0
    while i < len(lines):
        s = lines[i].strip()
        nxt = [x.strip() for x in lines[i + 1 : i + 3]]
        if nxt and RATE.match(nxt[0]):
            date = f'<span class="article__ticker__date">{_t(nxt[1])}</span>' if len(nxt) > 1 else ""
            out.append(
                f'<div class="article__ticker"><a class="article__ticker__title" href="https://quote.rbc.ru/">'
                f'{_t(s)}</a><span class="article__ticker__rate">{_t(nxt[0])}</span>{date}</div>'
            )
            i += 2 + bool(date)
        elif len(nxt) == 2 and nxt[1] == "Пройти тест":
            out.append(
                f'<div class="news-feed__banner quiz-promo"><div class="quiz-promo__title">{_t(s)}</div>'
                f'<div class="quiz-promo__text">{_t(nxt[0])}</div><a class="quiz-promo__button" '
                f'href="https://www.rbc.ru/quiz/">{_t(nxt[1])}</a></div>'
            )
            i += 3
        else:
            m = FEED_ITEM.match(s)
            out.append(
                f'<a class="news-feed__item" href="https://www.rbc.ru/rbcfreenews/">'
                f'<span class="news-feed__item__title">{_t(m[1])}</span> '
                f'<span class="news-feed__item__date">{_t(m[2])}</span></a>'
                if m
                else f'<div class="aside">{_t(s)}</div>'
            )
            i += 1
    return "".join(out) + "</div>"


def _furniture(site: str, lines: list[str]) -> list[str]:
    out, i, labels = [], 0, LABELS.get(site, {})
    while i < len(lines):
        s, nxt = lines[i].strip(), lines[i + 1].strip() if i + 1 < len(lines) else ""
        step = 1
        if s == "Также по теме":
            head, teaser = ([x.strip() for x in lines[i + 1 : i + 3]] + ["", ""])[:2]
            out.append(
                '<div class="article__read-more read-more"><div class="read-more__title">Также по теме</div>'
                f'<a class="read-more__link" href="{HOME[site]}world/article/">{_t(head)}</a>'
                f'<div class="read-more__text">{_t(teaser)}</div></div>'
            )
            step = 3
        elif s == "На страницу галереи":
            out.append(
                f'<div class="gallery"><a class="gallery__link" href="{HOME[site]}gallery/">{_t(s)}</a></div>'
            )
        elif nxt and CREDIT.search(nxt):
            out.append(_figure(site, s, nxt))
            step = 2
        elif site == "rbc.ru" and s == "Лента новостей":
            out.append(_rbc_feed(lines[i + 1 :]))
            step = len(lines) - i
        elif site == "rbc.ru" and re.fullmatch(r"\d+|Перейти к .+|[^\d,]{2,40},", s):
            cls = "skip-link" if s.startswith("Перейти к") else "article__header__category"
            cls = "article__header__counter" if s.isdigit() else cls
            href = "#maincontent" if cls == "skip-link" else HOME[site]
            out.append(
                f'<span class="{cls}">{_t(s)}</span>'
                if s.isdigit()
                else f'<a class="{cls}" href="{href}">{_t(s)}</a>'
            )
        elif s in labels:
            more = nxt if nxt and nxt not in labels and i + 1 < len(lines) else ""
            inner = f'<a class="block__link" href="{HOME[site]}">{_t(more)}</a>' if more else ""
            out.append(f'<div class="{labels[s]}"><div class="block__title">{_t(s)}</div>{inner}</div>')
            step = 1 + bool(more)
        elif site == "inotv.rt.com" and s.endswith(" Оригинал"):
            src = _t(s.removesuffix(" Оригинал"))
            out.append(
                f'<div class="article__original"><span class="article__original-source">{src}</span> '
                '<a class="article__original-link" href="https://www.buzzfeed.com/">Оригинал</a></div>'
            )
        elif site == "inotv.rt.com" and s.startswith("Материалы ИноТВ"):
            out.append(f'<div class="article__disclaimer">{_t(s)}</div>')
        elif site == "inotv.rt.com" and s.startswith("Публикуем в Twitter"):
            out.append(
                f'<div class="article__twitter-promo"><a href="https://twitter.com/inotvrt">{_t(s)}</a></div>'
            )
        elif site == "unknown" and re.match(r"[-—]\s+\S", s):
            out.append(f'<p class="related">- <a href="{HOME[site]}news/">{_t(s[1:])}</a></p>')
        else:
            out.append(f'<div class="aside">{_t(s)}</div>')
        i += step
    return out


def _segment(site: str, seg: Segment) -> list[str]:
    if seg.kind == "title":
        return [f'<h1 class="{H1_CLASS[site]}">{_t(seg.lines[0])}</h1>']
    if seg.kind == "embed":
        return [_tweet(seg)]
    if seg.kind == "furniture":
        return _furniture(site, seg.lines)
    text = norm("".join(seg.lines))
    if site == "russian.rt.com" and _subheading(text):
        return [f"<h2>{_t(text)}</h2>"]
    return [f"<p>{_para(site, seg.lines)}</p>"]


CHROME = {
    "russian.rt.com": (
        '<header class="header"><a class="header__logo" href="https://russian.rt.com/">RT на русском</a>'
        '<nav class="nav"><a class="nav__link" href="https://russian.rt.com/news">Новости</a>'
        '<a class="nav__link" href="https://russian.rt.com/world">Мир</a>'
        '<a class="nav__link" href="https://russian.rt.com/russia">Россия</a>'
        '<a class="nav__link" href="https://russian.rt.com/business">Экономика</a></nav></header>',
        '<footer class="footer"><div class="footer__copyright">© Автономная некоммерческая организация '
        "«ТВ-Новости», 2005–2024. Все права защищены.</div></footer>",
    ),
    "rbc.ru": (
        '<div class="topline"><a class="topline__logo" href="https://www.rbc.ru/">РБК</a>'
        '<a class="topline__item" href="https://www.rbc.ru/politics/">Политика</a>'
        '<a class="topline__item" href="https://www.rbc.ru/economics/">Экономика</a>'
        '<a class="topline__item" href="https://quote.rbc.ru/">Инвестиции</a></div>',
        '<footer class="footer"><div class="footer__copyright">© АО «РОСБИЗНЕСКОНСАЛТИНГ», 1995–2024</div>'
        "</footer>",
    ),
    "inotv.rt.com": (
        '<header class="header"><a class="header__logo" href="https://russian.rt.com/inotv/">ИноТВ</a>'
        '<nav class="nav"><a href="https://russian.rt.com/inotv/politika">Политика</a>'
        '<a href="https://russian.rt.com/inotv/obschestvo">Общество</a></nav></header>',
        '<footer class="footer"><div class="footer__copyright">© RT, 2005–2024</div></footer>',
    ),
    "unknown": (
        '<header class="site-header"><a href="https://news.example.org/">Новости</a>'
        '<nav><a href="https://news.example.org/politics/">Политика</a>'
        '<a href="https://news.example.org/world/">В мире</a></nav></header>',
        '<footer class="site-footer">© Новости, 2024</footer>',
    ),
}
BODY_OPEN = {
    "russian.rt.com": '<div class="article__text article__text_article-page js-mediator-article">',
    "rbc.ru": '<div class="article__text article__text_free" itemprop="articleBody">',
    "inotv.rt.com": '<div class="article__text">',
    "unknown": '<article class="post">',
}


def render_page(
    site: str, lines: list[str], gold: dict[str, Any], published: str, canonical: str | None = None
) -> tuple[str, list[str]]:
    """The page's HTML, and what of the gold could not be placed on a line of the seed.

    `canonical` is the address the page claims in `<link rel=canonical>`, as real article pages do.
    """
    segs, missing = classify(lines, gold)
    paras = [n for n, s in enumerate(segs) if s.kind == "para"] or [len(segs)]
    head, body, foot = segs[: paras[0]], segs[paras[0] : paras[-1] + 1], segs[paras[-1] + 1 :]

    def html(part: list[Segment]) -> str:
        return "\n".join(h for s in part for h in _segment(site, s))

    title = gold.get("title")
    doc_title = escape(f"{title} — {NAME[site]}" if title else NAME[site])
    og = f'<meta property="og:title" content="{escape(title)}">' if title else ""
    if canonical:
        og += f'<link rel="canonical" href="{escape(canonical)}"><meta property="og:url" content="{escape(canonical)}">'
    close = "</article>" if site == "unknown" else "</div>"
    top, bottom = CHROME[site]
    return (
        f'<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8"><title>{doc_title}</title>{og}'
        f'<meta property="og:site_name" content="{NAME[site]}">'
        f'<meta property="article:published_time" content="{published}"></head>\n<body>{top}\n'
        f'<main class="layout"><div class="article" id="maincontent">\n'
        f'<div class="article__header">{html(head)}</div>\n{BODY_OPEN[site]}\n'
        f"{html(body)}\n{close}\n{html(foot)}\n</div></main>\n{bottom}</body></html>\n"
    ), missing
