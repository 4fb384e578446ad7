# Mutirão's production image: one image for web, worker, beat and the one-shot migrate
# (docker-compose.yml runs each with its script in deploy/). Builds from the hashed lock file,
# so the image holds exactly the versions CI tested.

# Pinned to an exact release: a rebuild months later gets the same Python and Debian.
FROM python:3.11.14-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
# --require-hashes: every package, transitive ones included, must match a SHA-256 of the
# lock; --only-binary: wheels only, so the build needs no compiler.
RUN /opt/venv/bin/pip install --require-hashes --only-binary=:all: -r /tmp/requirements.lock


FROM python:3.11.14-slim-bookworm

# WeasyPrint (labels, receipts, report PDFs) needs pango, and a font: the slim image has none.
# gettext is not needed (Babel compiles the translations).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# The processes run as this user; the code stays root's, read-only to them. Its home is
# writable for the caches some libraries keep (fontconfig's, for WeasyPrint).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/mutirao \
        --shell /usr/sbin/nologin mutirao \
    && mkdir -p /app /srv/mutirao/media \
    && chown mutirao:mutirao /srv/mutirao/media
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY . .

# The same script the production-mode test runs: translations compiled, static files collected
# with DEBUG off (hashed names and their manifest). The key exists only for this build step.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" deploy/collectstatic.sh

USER mutirao
EXPOSE 8000
CMD ["deploy/web.sh"]
