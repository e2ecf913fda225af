# The portal's image for docker-compose: web, worker and beat run the same code.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The runtime alone by default; `--build-arg EXTRAS=demo` adds the demo warehouse's
# Snowflake emulator (for `manage.py seed_demo` / `demo_warehouse` inside the image).
ARG EXTRAS=""
COPY pyproject.toml ./
COPY lineage_portal ./lineage_portal
COPY graph ./graph
COPY governance ./governance
RUN pip install --no-cache-dir -e ".${EXTRAS:+[$EXTRAS]}"
COPY . .
# collectstatic needs settings, not secrets: throwaway keys that exist only in this step.
RUN DJANGO_SETTINGS_MODULE=lineage_portal.settings.production \
    DJANGO_SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdef \
    AUDIT_HMAC_KEY=collectstatic-only-not-a-secret-0123456789abcdef \
    python manage.py collectstatic --noinput -v 0
ENV DJANGO_SETTINGS_MODULE=lineage_portal.settings.production
EXPOSE 8000
CMD ["gunicorn", "lineage_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
