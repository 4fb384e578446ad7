FROM python:3.11-slim-bookworm

# WeasyPrint (PDF labels and reports) needs pango; gettext is not needed (Babel compiles).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pybabel -q compile -d locale -D django \
    && DEBUG=true python manage.py collectstatic --noinput -v0

RUN useradd --create-home mutirao && mkdir -p /srv/mutirao/media && chown mutirao /srv/mutirao/media
USER mutirao
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
