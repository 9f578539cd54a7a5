FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY vestnik ./vestnik
COPY streams ./streams
COPY agents ./agents
COPY schemas ./schemas
RUN pip install --no-cache-dir .
USER nobody
ENV HOME=/tmp
EXPOSE 6066
CMD ["vestnik", "worker"]
