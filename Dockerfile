# One image for every Grassroots process: each service's web (gunicorn), its outbox relay,
# its consumer and its one-shot migration differ only in the compose `command`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The repository's code; deploy/secrets/ (the JWT keys) is deliberately not copied: the keys
# reach the containers as compose secrets under /run/secrets/.
COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
COPY embedded ./embedded
COPY tools ./tools
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py

# The printed documents (WeasyPrint): pango, a Chinese font and BabelStone Han for the rare
# characters of names (CJK Extension B and E); nothing is fetched at render time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       fontconfig fonts-wqy-microhei fonts-babelstone-han \
    && rm -rf /var/lib/apt/lists/*

RUN pip install . \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home grassroots \
    && mkdir -p /app/var \
    && chown grassroots:grassroots /app/var

USER grassroots

EXPOSE 8001 8002 8003 8004 8005

CMD ["python", "-c", "print('Grassroots: give a command, see docker-compose.yml')"]
