"""Event contracts of vestnik as pydantic models.

The JSON Schema files beside this module are generated from these models
(`python -m schemas.export`) and a test keeps both in step. Every event names
its schema and version, so consumers can route and upgrade explicitly.

Within a version a field may be added, so a worker reads events of a newer
minor version during a rolling upgrade: it checks the fields it knows as
strictly as ever, keeps the others, and passes them on where it carries an
event forward (`Event.passing_on`).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _from_base64(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not valid base64: {exc}") from exc
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]
"""A timezone-aware timestamp, always stored in UTC."""

Base64Content = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]
"""Raw bytes carried in JSON as standard base64."""

ArticleId = Annotated[str, Field(pattern=r"^[0-9a-f]{20}$", description="Hash of the canonical URL.")]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    """Base of every event and of every object in one: known fields checked, unknown ones kept.

    Kept rather than ignored, so that an event carried forward, or read and written
    again, loses nothing a newer producer put in it: they are in `model_extra` and
    are written out with the event. The mypy plugin (`init_forbid_extra`) still
    refuses a misspelt field where the code builds an event.
    """

    model_config = ConfigDict(extra="allow", frozen=True)


class Event(Record):
    """Base of every event: schema name and version on the wire."""

    SCHEMA_NAME: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int]

    @classmethod
    def schema_id(cls) -> str:
        return f"{cls.SCHEMA_NAME}.v{cls.SCHEMA_VERSION}"

    def passing_on(self, source: Event) -> Self:
        """This event built from `source`, with the fields of `source` this version does not know.

        A field this event declares keeps the value the agent gave it, whatever `source` carries under that name.
        """
        unknown = {name: value for name, value in (source.model_extra or {}).items()
                   if name not in type(self).model_fields}
        return self.model_copy(update=unknown) if unknown else self


class CrawlRequest(Event):
    """A discovered article URL waiting in the frontier."""

    SCHEMA_NAME = "crawl_request"
    SCHEMA_VERSION = 1
    schema_name: Literal["crawl_request"] = "crawl_request"
    schema_version: Literal[1] = 1
    id: ArticleId
    url: str = Field(description="Canonical URL of the article.")
    source: str = Field(description="Name of the configured source that listed it.")
    discovered_at: UtcDatetime
    published_at: UtcDatetime | None = Field(default=None, description="Date given by the feed or sitemap.")
    feed_text: str | None = Field(
        default=None, description="The whole article as the feed carries it (yandex:full-text, turbo:content, "
        "content:encoded), HTML or plain text; absent when the feed gives a link only.")


class UrlCrawlState(Event):
    """What the crawler remembers of one canonical URL (internal): in the partition of its host's frontier requests."""

    SCHEMA_NAME = "crawl_state"
    SCHEMA_VERSION = 1
    schema_name: Literal["crawl_state"] = "crawl_state"
    schema_version: Literal[1] = 1
    url: str = Field(description="Canonical URL of the article.")
    last_fetch: float = Field(ge=0, description="Unix time of the last request, answered or failed.")
    etag: str | None = Field(default=None, description="The page's ETag, for a conditional request.")
    last_modified: str | None = Field(default=None, description="The page's Last-Modified, for the same.")
    content_sha256: str | None = Field(default=None, description="Hash of the page last published.")
    failures: int = Field(default=0, ge=0, description="Failed requests in a row: the retry backs off with them.")


class RawPage(Event):
    """A fetched page, bytes as served."""

    SCHEMA_NAME = "raw_page"
    SCHEMA_VERSION = 1
    schema_name: Literal["raw_page"] = "raw_page"
    schema_version: Literal[1] = 1
    id: ArticleId
    url: str = Field(description="Canonical URL that was requested.")
    final_url: str = Field(description="URL after redirects.")
    source: str
    status: int = Field(ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict, description="Selected response headers.")
    fetched_at: UtcDatetime
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    encoding: str | None = Field(default=None, description="Charset detected for the bytes.")
    content: Base64Content
    feed_text: str | None = Field(
        default=None, description="The whole article as the feed listing it carries it, HTML or plain text; "
        "the cleaner falls back to it when the page itself gives no article.")


class Embed(Record):
    """A social post embedded in an article, kept out of its body."""

    kind: Literal["tweet", "telegram", "instagram", "other"]
    author: str | None = None
    handle: str | None = None
    date: str | None = Field(default=None, description="ISO date of the post.")
    text: str


class ArticleFields(Event):
    """Fields shared by clean and enriched articles."""

    id: ArticleId
    url: str
    site: str = Field(description="Registrable domain of the publisher, or 'unknown'.")
    title: str | None = Field(default=None, description="The headline; not part of the body.")
    lead: str | None = Field(
        default=None, description="The standfirst, where the page marks one; the body opens with it too.")
    body: str = Field(description="Paragraphs separated by one blank line, the lead first where there is one.")
    embeds: list[Embed] = Field(default_factory=list)
    published_at: UtcDatetime | None = Field(default=None, description="Publication time given by the page.")
    published_date: date | None = Field(
        default=None, description="Day of publication (YYYY-MM-DD) when no time of day is known, read from the "
        "page or its address; null when published_at is set.")
    authors: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    language: str | None = None
    cleaner_version: str
    rules_fired: list[str] = Field(default_factory=list, description="Names of the site rules that changed the text.")
    cleaned_at: UtcDatetime


class CleanArticle(ArticleFields):
    SCHEMA_NAME = "clean_article"
    SCHEMA_VERSION = 1
    schema_name: Literal["clean_article"] = "clean_article"
    schema_version: Literal[1] = 1


EntityType = Literal["PER", "LOC", "ORG"]


class Mention(Record):
    """One occurrence of a named entity; offsets index the article body."""

    type: EntityType
    start: int = Field(ge=0)
    stop: int = Field(ge=0)
    text: str
    normal: str = Field(description="The mention in the nominative case.")


class Entity(Record):
    """All mentions of one person, place or organisation in an article."""

    type: EntityType
    name: str = Field(description="Canonical name.")
    count: int = Field(ge=1)
    first_offset: int = Field(ge=0)
    salience: float = Field(ge=0, le=1)


class Quote(Record):
    """Direct speech and who said it; offsets index the article body."""

    text: str = Field(description="The quoted words, without the quotation marks.")
    start: int = Field(ge=0)
    stop: int = Field(ge=0)
    speaker: str | None = Field(default=None, description="The speaker as named in the text, if named.")
    speaker_entity: str | None = Field(default=None, description="Canonical name of the speaker's PER entity.")


class DateMention(Record):
    """A date in the text, normalised as far as the text says (year, month, day may be missing)."""

    start: int = Field(ge=0)
    stop: int = Field(ge=0)
    text: str
    year: int | None = None
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)


class MoneyMention(Record):
    """An amount of money in the text."""

    start: int = Field(ge=0)
    stop: int = Field(ge=0)
    text: str
    amount: float
    currency: str = Field(description="ISO 4217 code where known (RUB, USD, EUR), else as written.")


class EnrichedArticle(ArticleFields):
    SCHEMA_NAME = "enriched_article"
    SCHEMA_VERSION = 1
    schema_name: Literal["enriched_article"] = "enriched_article"
    schema_version: Literal[1] = 1
    entities: list[Entity] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    dates: list[DateMention] = Field(default_factory=list)
    money: list[MoneyMention] = Field(default_factory=list)
    annotator_version: str
    annotated_at: UtcDatetime


class EntityMention(Event):
    """One entity in one article: keyed by entity so consumers can count per entity."""

    SCHEMA_NAME = "entity_mention"
    SCHEMA_VERSION = 1
    schema_name: Literal["entity_mention"] = "entity_mention"
    schema_version: Literal[1] = 1
    entity_key: str = Field(description="'TYPE:Canonical name', the message key.")
    type: EntityType
    name: str
    article_id: ArticleId
    url: str
    site: str
    count: int = Field(ge=1)
    salience: float = Field(ge=0, le=1)
    published_at: UtcDatetime | None = None
    annotated_at: UtcDatetime


class DeadLetter(Event):
    """An input an agent could not process, with the reason and where it came from."""

    SCHEMA_NAME = "dead_letter"
    SCHEMA_VERSION = 1
    schema_name: Literal["dead_letter"] = "dead_letter"
    schema_version: Literal[1] = 1
    agent: str
    reason: str
    error_type: str
    source_topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    key: Base64Content | None = None
    value: Base64Content | None = Field(
        default=None, description="The original message; null when too large to carry (re-read it at its offset)."
    )
    value_size: int = Field(0, ge=0, description="Size of the original message value in bytes.")
    failed_at: UtcDatetime


class StoryEntity(Record):
    """An entity of an article as story matching reads it."""

    type: EntityType
    name: str
    salience: float = Field(ge=0, le=1)


class StoryEmbedding(Record):
    """An article's sentence vector, made once by story-feed: int8 components, the unit vector up to scale."""

    encoder: str = Field(description="The encoder's name; vectors of different encoders are never compared.")
    encoder_version: str
    int8: Base64Content = Field(description="The components as signed bytes, base64 in JSON (384 for e5-small).")


class StoryCandidate(Event):
    """What the stories agent reads of an enriched article, on one partition so every worker sees one order."""

    SCHEMA_NAME = "story_candidate"
    SCHEMA_VERSION = 1
    schema_name: Literal["story_candidate"] = "story_candidate"
    schema_version: Literal[1] = 1
    id: ArticleId
    url: str
    site: str
    title: str | None = None
    body: str = Field(description="The article body; copies are told by it.")
    published_at: UtcDatetime | None = None
    entities: list[StoryEntity] = Field(default_factory=list)
    embedding: StoryEmbedding | None = Field(
        default=None, description="The sentence vector, absent when story-feed runs without an encoder."
    )


class ArticleStory(Event):
    """The story an article belongs to, and the earlier article it copies, if any."""

    SCHEMA_NAME = "article_story"
    SCHEMA_VERSION = 1
    schema_name: Literal["article_story"] = "article_story"
    schema_version: Literal[1] = 1
    id: ArticleId
    story_id: str = Field(description="The id of the story's first article: stable across restarts and replays.")
    new_story: bool = Field(description="The article started the story.")
    story_similarity: float | None = Field(
        default=None,
        description="How close the article is to the story it joined (0-1); null for a new story or a copy.",
    )
    duplicate_of: ArticleId | None = Field(
        default=None, description="The earliest article in the window with nearly the same text."
    )
    duplicate_similarity: float | None = Field(default=None, description="Estimated Jaccard similarity to it.")
    url: str
    site: str
    published_at: UtcDatetime | None = None
    stories_version: str
    assigned_at: UtcDatetime


class Story(Event):
    """A story's summary as of its latest article; the compacted topic keeps the latest per story."""

    SCHEMA_NAME = "story"
    SCHEMA_VERSION = 1
    schema_name: Literal["story"] = "story"
    schema_version: Literal[1] = 1
    story_id: str
    title: str | None = Field(default=None, description="The title of the story's earliest report.")
    first_seen: UtcDatetime | None = Field(default=None, description="Earliest publication time of its articles.")
    first_site: str | None = Field(default=None, description="The site that published first.")
    first_article_id: ArticleId
    members: int = Field(ge=1, description="Articles assigned to the story so far.")
    sites: int = Field(ge=0, description="Distinct sites among them.")
    top_entities: list[str] = Field(default_factory=list, description="Most salient entities over its articles.")
    last_article_id: ArticleId
    updated_at: UtcDatetime


EVENT_MODELS: tuple[type[Event], ...] = (
    CrawlRequest,
    UrlCrawlState,
    RawPage,
    CleanArticle,
    EnrichedArticle,
    EntityMention,
    StoryCandidate,
    ArticleStory,
    Story,
    DeadLetter,
)
