#!/usr/bin/env bash
# A private Postgres cluster for the store tests, shaped like Lakebase: its own port, SSL only
# (self-signed certificate), scram-sha-256 password auth, and one login role per test user whose
# password is that user's token (Lakebase takes user = email, password = OAuth token), plus the
# app's service principal (role = its client id, password = a minted database credential).
#
#   scripts/pg-cluster.sh start DIR   # prints the environment the tests read (also in DIR/env)
#   scripts/pg-cluster.sh stop DIR
set -euo pipefail

cmd=${1:?usage: pg-cluster.sh start|stop DIR}
dir=${2:?usage: pg-cluster.sh start|stop DIR}

bin=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bin=$(pg_config --bindir)
fi
if [ -z "$bin" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg-cluster: no Postgres server binaries (initdb); run scripts/setup.sh --postgres" >&2
  exit 1
fi

# Postgres refuses to run as root: use the postgres system user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  start)
    rm -rf "$dir"
    mkdir -p "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    admin_password="admin-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
    printf '%s\n' "$admin_password" > "$dir/pwfile"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
    as_pg "$bin/initdb" -D "$dir/data" -U dqx_admin --auth=scram-sha-256 --pwfile="$dir/pwfile" \
      --encoding=UTF8 --no-instructions >"$dir/initdb.log"
    # A private CA and a server certificate it signs for the names the tests connect to, so
    # clients verify the server (verify-full) with that CA (DQX_TEST_PG_CA).
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dqx-test-ca \
      -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
      -keyout "$dir/data/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 2 -extfile "$dir/server.ext" -out "$dir/data/server.crt" 2>/dev/null
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir/data/server.key" "$dir/data/server.crt"; fi
    chmod 600 "$dir/data/server.key"
    cat >> "$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
password_encryption = 'scram-sha-256'
max_connections = 200
fsync = off
CONF
    # SSL only over TCP: no plain "host" line, so a non-SSL client is refused.
    cat > "$dir/data/pg_hba.conf" <<HBA
local   all  all                 scram-sha-256
hostssl all  all  127.0.0.1/32   scram-sha-256
HBA
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    export PGPASSWORD="$admin_password"
    psql=("$bin/psql" -h "$dir" -p "$port" -U dqx_admin -v ON_ERROR_STOP=1 -q)
    "${psql[@]}" -d postgres -c "CREATE DATABASE dqx_test"
    "${psql[@]}" -d dqx_test <<SQL
CREATE ROLE "alice@example.com" LOGIN PASSWORD 'alice-oauth-token';
CREATE ROLE "bob@example.com" LOGIN PASSWORD 'bob-oauth-token';
CREATE ROLE "client-id" LOGIN PASSWORD 'sp-pg-credential';
CREATE ROLE "mallory@example.com" LOGIN PASSWORD 'mallory-oauth-token';
GRANT CONNECT ON DATABASE dqx_test TO "alice@example.com", "bob@example.com", "client-id", "mallory@example.com";
-- The app's users (LAKEBASE_APP_ROLE); mallory can connect but is not one of them.
CREATE ROLE dqx_app_users NOLOGIN;
GRANT dqx_app_users TO "alice@example.com", "bob@example.com", "client-id";
SQL
    cat > "$dir/env" <<ENV
DQX_TEST_PG_HOST=127.0.0.1
DQX_TEST_PG_PORT=$port
DQX_TEST_PG_DATABASE=dqx_test
DQX_TEST_PG_ADMIN_USER=dqx_admin
DQX_TEST_PG_ADMIN_PASSWORD=$admin_password
DQX_TEST_PG_CA=$dir/ca.crt
ENV
    cat "$dir/env"
    ;;
  *)
    echo "usage: pg-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
