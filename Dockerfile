# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=clinic.settings.production

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected into the image and served by whitenoise.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 1000 --home-dir /app clinic \
 && mkdir -p /app/var && chown -R clinic /app/var

USER clinic
EXPOSE 8000
# Workers and threads: WEB_WORKERS, WEB_THREADS (clinic/gunicorn_conf.py).
CMD ["gunicorn", "clinic.wsgi:application", "--config", "python:clinic.gunicorn_conf", "--bind", "0.0.0.0:8000"]
