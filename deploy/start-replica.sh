#!/bin/sh
# The compose profile "replica" (README "A read replica"): a PostgreSQL hot standby streaming from
# the db service. On its first start (an empty volume) it copies the primary with pg_basebackup as
# the role deploy/replication-primary.sh made, through a replication slot, so the primary keeps
# the WAL the replica has still to replay; then it runs the image's usual start, read only.
#
#   IRO_PRIMARY_HOST [db]  IRO_REPLICATION_ROLE [iro_portal_replicator]
#   IRO_REPLICATION_SLOT [iro_portal_replica]  IRO_REPLICATION_PASSWORD (required)
#
# Retiring the replica for good: drop its slot on the primary, or the primary keeps WAL for it
# without end: SELECT pg_drop_replication_slot('iro_portal_replica');
set -eu
: "${IRO_REPLICATION_PASSWORD:?set IRO_REPLICATION_PASSWORD}"
primary="${IRO_PRIMARY_HOST:-db}"
role="${IRO_REPLICATION_ROLE:-iro_portal_replicator}"
slot="${IRO_REPLICATION_SLOT:-iro_portal_replica}"
PGPASSWORD="$IRO_REPLICATION_PASSWORD"
export PGPASSWORD

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 0700 "$PGDATA"
    # The slot outlives a deleted replica volume: reuse it rather than fail to create it again.
    existing="$(gosu postgres psql --host="$primary" --username="$role" --dbname=postgres --no-psqlrc -tA \
        -v ON_ERROR_STOP=1 -v slot="$slot" <<'SQL'
SELECT count(*) FROM pg_replication_slots WHERE slot_name = :'slot';
SQL
)"
    create_slot="--create-slot"
    [ "$existing" = "0" ] || create_slot=""
    gosu postgres pg_basebackup --host="$primary" --username="$role" --pgdata="$PGDATA" \
        --wal-method=stream --write-recovery-conf --checkpoint=fast --slot="$slot" $create_slot
fi
exec docker-entrypoint.sh postgres
