#!/usr/bin/env bash
# What the tests need of this machine, provisioned before any of them runs: `npm test`, .ci/run and the devcontainer
# all run this one script. Node, the system tools (kubectl; Prometheus, promtool, Alertmanager and amtool), and a PostgreSQL database of
# its own for the storage tests. On Debian or Ubuntu, as root (or with passwordless sudo), what is missing is
# installed with apt-get; anywhere else it stops before any test, naming each missing tool and how to install it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash tools/dev/provision.sh [--install] [-- COMMAND [ARGS...]]

Checks Node (>= 20.19), kubectl (>= 1.27), Prometheus with promtool and Alertmanager with amtool; installs what is missing with apt-get on
Debian or Ubuntu when it can (as root, or with passwordless sudo), and otherwise exits 1 naming each missing tool
with the command for Debian and for macOS. Then runs COMMAND, with DATABASE_URL set to a throwaway PostgreSQL
database it creates (installing and starting PostgreSQL when it can) and drops when COMMAND ends, whatever ends it.
A DATABASE_URL already set is used as it is; without either, the PostgreSQL tests are skipped, and npm test's last
line says why (MCP_FLEET_NO_POSTGRES).

  --install   install what is missing and stop (a devcontainer's postCreateCommand); no database, no COMMAND
EOF
}

say() { echo "provision: $*" >&2; }

install_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --install) install_only=true; shift ;;
    --help | -h) usage; exit 0 ;;
    --) shift; break ;;
    *) say "unknown option $1"; usage >&2; exit 2 ;;
  esac
done
if [ "$install_only" = false ] && [ $# -eq 0 ]; then say "give the command to run after --, or --install"; usage >&2; exit 2; fi

# Root, or a sudo that asks for no password: the only ways to install or to run PostgreSQL's cluster.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}
can_be_root() { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }
can_apt() { command -v apt-get >/dev/null && can_be_root; }
apt_install() {
  say "installing with apt-get: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

node -e 'const [a, b] = process.versions.node.split(".").map(Number); if (a < 20 || (a === 20 && b < 19)) { console.error(`provision: Node >= 20.19 is needed, this is ${process.version}`); process.exit(1); }'

# kubectl's own release only (Debian's kubernetes-client is 1.20, too old for kustomize components).
kubectl_problem() {
  if ! command -v kubectl >/dev/null; then echo "missing"; return; fi
  local minor
  minor=$(kubectl version --client -o json 2>/dev/null | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { try { console.log(Number(JSON.parse(s).clientVersion.minor.replace(/\D.*/, ""))); } catch { console.log(0); } })')
  if [ "${minor:-0}" -lt 27 ]; then echo "version 1.${minor:-?}, older than 1.27"; fi
}

# Debian's packages, each with its command-line tool; the live alert tests run both on loopback, the unit tests the tools.
missing_prometheus=()
missing_packages=()
# Debian names Alertmanager's binary prometheus-alertmanager, Homebrew alertmanager; either will do.
for pair in prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager amtool:prometheus-alertmanager; do
  tool=${pair%%:*} package=${pair#*:}
  if ! command -v "$tool" >/dev/null && ! { [ "$tool" = prometheus-alertmanager ] && command -v alertmanager >/dev/null; }; then
    missing_prometheus+=("$tool")
    [[ " ${missing_packages[*]} " == *" $package "* ]] || missing_packages+=("$package")
  fi
done
if [ ${#missing_packages[@]} -gt 0 ] && can_apt; then apt_install "${missing_packages[@]}"; missing_prometheus=(); fi

problems=()
kubectl_state=$(kubectl_problem)
if [ -n "$kubectl_state" ]; then
  problems+=("kubectl ($kubectl_state): Debian/Ubuntu: curl -fsSLO https://dl.k8s.io/release/v1.32.0/bin/linux/amd64/kubectl && sudo install kubectl /usr/local/bin/ (Debian's kubernetes-client is too old); macOS: brew install kubectl")
fi
if [ ${#missing_prometheus[@]} -gt 0 ]; then
  problems+=("${missing_prometheus[*]} (missing): Debian/Ubuntu: sudo apt-get install --no-install-recommends ${missing_packages[*]}; macOS: brew install prometheus alertmanager")
fi
if [ ${#problems[@]} -gt 0 ]; then
  say "the tests need these system tools, and cannot install them here (not Debian or Ubuntu, or neither root nor passwordless sudo):"
  for problem in "${problems[@]}"; do echo "  - $problem" >&2; done
  say "install them, then run the tests again; no test has run"
  exit 1
fi
if [ "$install_only" = true ]; then
  if can_apt && ! command -v pg_lsclusters >/dev/null; then apt_install postgresql; fi
  say "the system tools the tests need are here"
  exit 0
fi

# A PostgreSQL database of its own, named after this checkout (so that a run's results stay cached when nothing
# changed), with a password kept per machine; dropped when the command ends.
start_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then say "PostgreSQL: the DATABASE_URL given"; return; fi
  if ! can_be_root; then
    export MCP_FLEET_NO_POSTGRES="no DATABASE_URL, and neither root nor passwordless sudo to run PostgreSQL: set DATABASE_URL=postgres://… to run them"
    say "PostgreSQL: its tests are skipped ($MCP_FLEET_NO_POSTGRES)"
    return
  fi
  if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    if ! command -v apt-get >/dev/null; then
      export MCP_FLEET_NO_POSTGRES="no DATABASE_URL, and no PostgreSQL cluster to start here: set DATABASE_URL=postgres://… to run them"
      say "PostgreSQL: its tests are skipped ($MCP_FLEET_NO_POSTGRES)"
      return
    fi
    apt_install postgresql
  fi
  local version cluster port status
  read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
  [ "$status" = online ] || as_root pg_ctlcluster "$version" "$cluster" start
  local secret_file="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-fleet/postgres-test-password"
  if [ ! -s "$secret_file" ]; then
    mkdir -p "$(dirname "$secret_file")"
    (umask 077 && node -e 'console.log(require("crypto").randomBytes(18).toString("hex"))' > "$secret_file")
  fi
  local password checkout
  password=$(cat "$secret_file")
  checkout=$(pwd -P | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(require("crypto").createHash("sha256").update(s.trim()).digest("hex").slice(0, 10)))')
  database="mcp_fleet_test_$checkout"
  # One run at a time sets up the shared role (two npm tests side by side: "tuple concurrently updated"); the
  # session's lock goes when psql ends.
  as_root su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" <<SQL >/dev/null
select pg_advisory_lock(hashtext('mcp_fleet_test role'));
do \$\$ begin
  if not exists (select from pg_roles where rolname = 'mcp_fleet_test') then create role mcp_fleet_test login createdb; end if;
end \$\$;
alter role mcp_fleet_test password '$password';
drop database if exists $database with (force);
create database $database owner mcp_fleet_test;
SQL
  postgres_port=$port
  export DATABASE_URL="postgres://mcp_fleet_test:$password@127.0.0.1:$port/$database"
  say "PostgreSQL $version on port $port: throwaway database $database"
}

database=""
postgres_port=""
drop_database() {
  if [ -n "$database" ]; then as_root su postgres -c "dropdb -p $postgres_port --if-exists --force $database" >/dev/null 2>&1 || true; fi
}
trap drop_database EXIT
# The command gets the signal too (one process group); the database goes once it has ended.
trap 'exit 130' INT
trap 'exit 143' TERM
start_postgres
"$@"
