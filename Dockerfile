# bloodpatch-bot: one image for every role (Slack HTTP workers, the Discord gateway process, or both).
# docs/deploy.md explains the roles; deploy/check_docker_steps.py runs these steps without a container engine.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BLOODPATCH_CONTENT=/app/content \
    BLOODPATCH_DATA_DIR=/data \
    BLOODPATCH_PID_FILE=/tmp/bloodpatch-bot.pid \
    PORT=3000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
# The SQLite store (used when DATABASE_URL is unset) lives in /data: mount a volume there to keep it.
RUN pip install --no-compile . \
    && useradd --create-home --uid 10001 bloodpatch \
    && mkdir -p /data \
    && chown bloodpatch /data

# Content is baked in and checked at build time (a stale router model or a broken file fails the build).
# Mount a volume over /app/content to update it without a rebuild, then `bloodpatch-bot reload`.
COPY content ./content
RUN bloodpatch-bot lint /app/content

USER 10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('PORT') or 3000), timeout=2)"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["bloodpatch-bot"]
CMD ["run", "all"]
