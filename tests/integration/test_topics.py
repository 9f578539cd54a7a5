"""Topic creation on the real broker."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.kafka import client_options, ensure_topics
from streams.settings import Settings
from streams.topics import TOPICS, topic_name


async def test_registry_topics_are_created_once_with_their_policies(kafka_settings: Settings) -> None:
    created = await ensure_topics(kafka_settings)
    assert sorted(created) == sorted(topic_name(kafka_settings, key) for key in TOPICS)
    assert await ensure_topics(kafka_settings) == []

    admin = AIOKafkaAdminClient(**client_options(kafka_settings))
    await admin.start()
    try:
        described = await admin.describe_topics([topic_name(kafka_settings, "enriched_articles")])
        assert len(described[0]["partitions"]) == kafka_settings.topic_partitions
        resources = [ConfigResource(ConfigResourceType.TOPIC, topic_name(kafka_settings, key))
                     for key in ("enriched_articles", "raw_pages")]
        responses = await admin.describe_configs(resources)
        configs = {}
        for response in responses:
            for resource in response.resources:
                configs[resource[3]] = {entry[0]: entry[1] for entry in resource[4]}
        assert configs[topic_name(kafka_settings, "enriched_articles")]["cleanup.policy"] == "compact"
        raw = configs[topic_name(kafka_settings, "raw_pages")]
        assert raw["cleanup.policy"] == "delete"
        assert raw["max.message.bytes"] == str(kafka_settings.max_message_bytes)
    finally:
        await admin.close()
