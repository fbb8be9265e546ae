# bloodpatch-bot: one container serving Discord and/or Slack (see README "Deploy").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BLOODPATCH_CONTENT=/app/content \
    BLOODPATCH_PID_FILE=/tmp/bloodpatch-bot.pid

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-compile . \
    && useradd --create-home --uid 10001 bloodpatch

# Content is baked in; mount a volume over /app/content to update it without a rebuild
# (then `docker compose kill -s HUP bot` or run with --watch to reload it live).
COPY content ./content

USER bloodpatch
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status == 200 else 1)"

STOPSIGNAL SIGTERM
ENTRYPOINT ["bloodpatch-bot"]
CMD ["run", "all"]
