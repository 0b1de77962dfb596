#!/bin/sh
# Create IRO Portal's PostgreSQL roles and database, as a superuser (README "Database roles"):
# the owner role runs migrations and owns the tables and the database; the app's role (web app,
# Celery worker and beat) owns nothing, and `manage.py migrate` grants it what the app needs.
# Safe to run again: roles that exist get the given passwords and lose any superuser attribute.
#
#   IRO_DATABASE [iro_portal]  IRO_OWNER_ROLE [iro_portal_owner]  IRO_APP_ROLE [iro_portal_app]
#   IRO_OWNER_PASSWORD, IRO_APP_PASSWORD (required; read by psql from the environment, never
#   put on a command line)
#
# psql connects with the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD; PGUSER defaults to
# POSTGRES_USER, then postgres). docker-compose.yml mounts this file in the postgres image's
# /docker-entrypoint-initdb.d/, which runs it once, when the data volume is first created.
set -eu
: "${IRO_OWNER_PASSWORD:?set IRO_OWNER_PASSWORD}"
: "${IRO_APP_PASSWORD:?set IRO_APP_PASSWORD}"
PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
export PGUSER

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --dbname=postgres \
  -v database="${IRO_DATABASE:-iro_portal}" -v owner="${IRO_OWNER_ROLE:-iro_portal_owner}" \
  -v app="${IRO_APP_ROLE:-iro_portal_app}" <<'SQL'
\getenv owner_password IRO_OWNER_PASSWORD
\getenv app_password IRO_APP_PASSWORD
SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"owner";
\connect :"database"
-- Before PostgreSQL 15 the superuser owns the schema public and everyone may create in it; only
-- its owner can take that away, which `manage.py migrate` does as the owner role.
ALTER SCHEMA public OWNER TO :"owner";
SQL
echo "PostgreSQL roles ${IRO_OWNER_ROLE:-iro_portal_owner} (owner) and ${IRO_APP_ROLE:-iro_portal_app} (app) and database ${IRO_DATABASE:-iro_portal} are ready."
