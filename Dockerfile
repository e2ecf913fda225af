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
RUN DJANGO_SETTINGS_MODULE=lineage_portal.settings.local python manage.py collectstatic --noinput -v 0
EXPOSE 8000
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
