"""The crawler: discovers article URLs in feeds and fetches the pages politely."""
