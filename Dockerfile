# IRO Portal: one image for the web app (gunicorn), the Celery worker, Celery beat and migrations.
# docker-compose.yml runs it; build with `docker compose build` (or `docker build -t iro-portal .`).

# --- Front-end assets: GOV.UK Frontend compiled with Sass -------------------------------------
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static/scss ./static/scss
RUN npm run build:css

# --- Application ---------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=iro_portal.settings \
    IRO_PORTAL_VAR_DIR=/app/var

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# WeasyPrint renders the annual report to PDF: it loads Pango (and HarfBuzz's font subsetter) at
# run time, and Liberation Sans stands in for Arial in the GOV.UK font stack. CairoSVG draws the
# charts of the report's Word copy with Cairo.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation libcairo2 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# requirements.lock pins and hashes every package (scripts/lock compiles it from requirements.txt).
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
# Only the compiled outputs of the node stage: GOV.UK Frontend's dist (fonts, images, JS; also a
# STATICFILES_DIRS entry), accessible-autocomplete's (the type-ahead's script, another entry) and our
# compiled stylesheet. No node or node_modules at runtime.
COPY --from=assets /src/node_modules/govuk-frontend/dist ./node_modules/govuk-frontend/dist
COPY --from=assets /src/node_modules/accessible-autocomplete/dist ./node_modules/accessible-autocomplete/dist
COPY --from=assets /src/static/build ./static/build

# Static files are collected into the image (STATIC_ROOT=/app/staticfiles, served by WhiteNoise).
# Settings refuse to load without a SECRET_KEY when DEBUG is off: give this one step a throwaway
# key and a throwaway var directory, neither of which stays in the image.
RUN SECRET_KEY=collectstatic-build-step-only IRO_PORTAL_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var/beat \
    && chown -R app:app /app/var

# The code and static files stay owned by root (read-only to the app); only /app/var is writable.
USER app
EXPOSE 8000
ENTRYPOINT ["sh", "/app/deploy/entrypoint.sh"]
CMD ["gunicorn", "iro_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
