#!/bin/sh
# Let a streaming replica copy this PostgreSQL server (README "A read replica"; the compose
# profile "replica" runs deploy/start-replica.sh): a role that may log in and replicate and
# nothing more, and the pg_hba.conf line that lets it connect for replication. Safe to run again.
#
#   IRO_REPLICATION_ROLE [iro_portal_replicator]  IRO_REPLICATION_PASSWORD (required; read by psql
#   from the environment, never put on a command line)
#
# docker-compose.yml mounts this file in the postgres image's /docker-entrypoint-initdb.d/, which
# runs it once, when the data volume is first created; on an older volume run it once in the db
# container (`docker compose exec -e IRO_REPLICATION_PASSWORD=... db sh
# /docker-entrypoint-initdb.d/20-iro-portal-replication.sh`), which also reloads the server.
set -eu
: "${IRO_REPLICATION_PASSWORD:?set IRO_REPLICATION_PASSWORD}"
PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
export PGUSER
role="${IRO_REPLICATION_ROLE:-iro_portal_replicator}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --dbname=postgres -v role="$role" <<'SQL'
\getenv password IRO_REPLICATION_PASSWORD
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'password';
SQL
hba_file="$(psql --no-psqlrc --dbname=postgres -tAc 'SHOW hba_file')"
line="host replication $role all scram-sha-256"
grep -qxF "$line" "$hba_file" || echo "$line" >>"$hba_file"
psql --no-psqlrc --quiet --dbname=postgres -tAc 'SELECT pg_reload_conf()' >/dev/null
echo "PostgreSQL role $role may now stream this server to a replica."
