"""What `vestnik import` reads, written by the tests: text pages, ARC files byte by byte, WARC records."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.warcwriter import WARCWriter

TEXT_PAGES = {
    # A headline over the first paragraph, a rubric above it, a caption and a related-stories block inside.
    "ports.txt": """Новости
Правительство утвердило план развития северных портов
Правительство России утвердило план развития портов на Северном морском пути до 2030 года. \
Документ подписал председатель правительства, сообщает пресс-служба кабинета министров.
 Порт Мурманска
 РИА Новости
Согласно плану, в порты Мурманска и Архангельска вложат более ста миллиардов рублей. \
Средства пойдут на новые причалы, ледоколы и железнодорожные подходы к портам.
 Также по теме
 Как живут северные города зимой
Министр транспорта отметил, что грузооборот северных портов за последние пять лет вырос вдвое.
""",
    # No headline: the text starts with its first paragraph.
    "theatre.txt": """Большой театр откроет новый сезон премьерой оперы «Садко», сообщили в пресс-службе театра. \
Спектакль поставит молодой режиссёр, декорации создаст художник из Санкт-Петербурга.
«Мы долго готовили эту постановку и надеемся, что зрители её полюбят», — сказал директор театра.
Билеты на первые показы поступят в продажу в конце августа.
""",
}
"""Plain-text renderings of news pages, as a scraper saves them: the furniture is still in the text."""


def write_text_pages(folder: Path) -> list[Path]:
    """The text pages as .txt files in `folder`, in name order."""
    folder.mkdir(exist_ok=True)
    for name, text in TEXT_PAGES.items():
        (folder / name).write_text(text, "utf-8")
    return sorted(folder / name for name in TEXT_PAGES)


ARC_DATE = "20010203040506"
ARC_FIELDS = b"URL IP-address Archive-date Content-type Archive-length"
"""The record line of ARC version 1, as its file header record spells it out (and as warcio reads it)."""


def arc_record(url: str, block: bytes, content_type: str = "text/html", ip: str = "192.0.2.1") -> bytes:
    """One ARC version 1 record: "URL IP-address Archive-date Content-type Archive-length", the block, a newline."""
    return f"{url} {ip} {ARC_DATE} {content_type} {len(block)}\n".encode() + block + b"\n"


def http_response(body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    """An HTTP response as an ARC record holds it: status line, headers, body."""
    return f"HTTP/1.0 {status}\r\nContent-Type: {content_type}\r\n\r\n".encode() + body


def write_arc(path: Path, records: list[bytes], *, version: bytes = b"1 0 Example Archive",
              file_header: bool = True) -> Path:
    """An ARC file opened by its filedesc:// header record, gzip'd record by record when its name ends in .gz."""
    header = arc_record(f"filedesc://{path.name}", version + b"\n" + ARC_FIELDS + b"\n", "text/plain", "0.0.0.0")
    members = ([header] if file_header else []) + records
    gzipped = path.name.endswith(".gz")
    path.write_bytes(b"".join(gzip.compress(member) if gzipped else member for member in members))
    return path


def write_resource(writer: WARCWriter, url: str, body: bytes, content_type: str, date: str | None = None) -> None:
    """A `resource` record: a file kept whole under its address, with no HTTP headers (as warcit writes them)."""
    # With its length given, warcio digests the payload in place rather than in a temporary file it leaves open.
    writer.write_record(writer.create_warc_record(url, "resource", payload=io.BytesIO(body), length=len(body),
                                                  warc_content_type=content_type,
                                                  warc_headers_dict={"WARC-Date": date} if date else None))
