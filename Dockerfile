# ticketflow: one image for the worker, the API and the pollers (the command picks the role).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TICKETFLOW_CORPUS_DIR=/app/corpus/help \
    TICKETFLOW_INDEX_DIR=/app/.ticketflow/index

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY worker/__init__.py worker/__init__.py
COPY producer/__init__.py producer/__init__.py
RUN pip install --upgrade pip && pip install -e .

COPY worker worker
COPY producer producer
COPY corpus corpus

RUN useradd --create-home --uid 10001 ticketflow && mkdir -p /app/.ticketflow && chown -R ticketflow /app/.ticketflow
USER ticketflow

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)" || exit 1
CMD ["ticketflow", "serve", "--host", "0.0.0.0", "--port", "8000"]
