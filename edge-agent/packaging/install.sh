#!/bin/sh
# Installs the ISP billing edge agent on Debian, Ubuntu or Raspberry Pi OS (systemd).
#
#   sudo ./install.sh --bundle dist/edge-agent.mjs --config my-site.json [--no-start]
#
# Idempotent: run it again to upgrade the bundle; an existing config or credentials file is kept
# unless --config is given. It never prints a config value or a credential.
set -eu

NAME=isp-edge-agent
PREFIX=/opt/$NAME
ETC=/etc/$NAME
STATE=/var/lib/$NAME
UNIT=/etc/systemd/system/$NAME.service
HERE=$(cd "$(dirname "$0")" && pwd)
MIN_NODE_MAJOR=20
MIN_NODE_MINOR=11

BUNDLE=""
CONFIG=""
START=yes

usage() {
  echo "usage: sudo $0 --bundle <edge-agent.mjs> [--config <config.json>] [--no-start]" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) [ $# -ge 2 ] || usage; BUNDLE=$2; shift 2 ;;
    --config) [ $# -ge 2 ] || usage; CONFIG=$2; shift 2 ;;
    --no-start) START=no; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done

say() { printf '%s: %s\n' "$NAME" "$*"; }
die() { printf '%s: error: %s\n' "$NAME" "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo)"
if [ -z "$BUNDLE" ] && [ -f "$HERE/edge-agent.mjs" ]; then BUNDLE=$HERE/edge-agent.mjs; fi
[ -n "$BUNDLE" ] && [ -f "$BUNDLE" ] || die "no bundle: build it with 'npx tsx edge-agent/build.ts' and pass --bundle"
[ -z "$CONFIG" ] || [ -f "$CONFIG" ] || die "no such config file: $CONFIG"
command -v systemctl >/dev/null 2>&1 || die "systemd is required"

# --- Node.js ------------------------------------------------------------------------------------
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e "const [a,b]=process.versions.node.split('.').map(Number);process.exit(a>$MIN_NODE_MAJOR||(a===$MIN_NODE_MAJOR&&b>=$MIN_NODE_MINOR)?0:1)"
}

if ! node_ok; then
  say "Node.js >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR not found; trying the distribution's nodejs package"
  apt-get update -qq
  candidate=$(apt-cache policy nodejs | awk '/Candidate:/ {print $2}')
  major=$(printf '%s' "$candidate" | sed -n 's/^\([0-9]*:\)\{0,1\}\([0-9][0-9]*\)\..*/\2/p')
  if [ -n "$major" ] && [ "$major" -ge "$MIN_NODE_MAJOR" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs
  fi
  if ! node_ok; then
    die "this distribution offers nodejs '${candidate:-none}', older than $MIN_NODE_MAJOR.$MIN_NODE_MINOR.
Install Node.js 22 LTS from https://nodejs.org or NodeSource's apt repository (its
nodejs package provides /usr/bin/node), then run this script again."
  fi
fi
NODE=$(command -v node)
[ "$NODE" = /usr/bin/node ] || say "note: node is $NODE; the unit runs /usr/bin/node (edit ExecStart if needed)"
say "using Node.js $(node -p process.versions.node)"

# --- user and directories -----------------------------------------------------------------------
if ! getent passwd "$NAME" >/dev/null; then
  useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin "$NAME"
  say "created system user $NAME"
fi
install -d -o root -g root -m 0755 "$PREFIX"
install -o root -g root -m 0644 "$BUNDLE" "$PREFIX/edge-agent.mjs"
[ -f "$HERE/README-install.md" ] && install -o root -g root -m 0644 "$HERE/README-install.md" "$PREFIX/"
# Secrets (router passwords, RADIUS secrets, AWS keys): readable by root and the agent's group only.
install -d -o root -g "$NAME" -m 0750 "$ETC"
install -d -o "$NAME" -g "$NAME" -m 0700 "$STATE"

if [ -n "$CONFIG" ]; then
  install -o root -g "$NAME" -m 0640 "$CONFIG" "$ETC/config.json"
  say "installed $ETC/config.json"
elif [ ! -f "$ETC/config.json" ]; then
  install -o root -g "$NAME" -m 0640 "$HERE/config.example.json" "$ETC/config.json"
  say "installed an EXAMPLE $ETC/config.json: edit it before the agent can work"
  START=no
fi
if [ ! -f "$ETC/aws-credentials" ]; then
  umask 027
  cat >"$ETC/aws-credentials" <<'CREDS'
# The site's AWS access key (scoped to this site's queue and the events queue).
[default]
aws_access_key_id =
aws_secret_access_key =
CREDS
  chown root:"$NAME" "$ETC/aws-credentials"
  chmod 0640 "$ETC/aws-credentials"
  say "created $ETC/aws-credentials: fill in the site's access key"
  START=no
fi

install -o root -g root -m 0644 "$HERE/$NAME.service" "$UNIT"
systemctl daemon-reload
systemctl enable "$NAME" >/dev/null

# --- check and start ----------------------------------------------------------------------------
if [ "$START" = yes ]; then
  say "running doctor as $NAME"
  if runuser -u "$NAME" -- env AWS_SHARED_CREDENTIALS_FILE="$ETC/aws-credentials" \
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
      "$NODE" "$PREFIX/edge-agent.mjs" doctor --config "$ETC/config.json"; then
    systemctl restart "$NAME"
    say "started; follow it with: journalctl -u $NAME -f"
  else
    say "doctor found problems (above); fix them, then: systemctl restart $NAME"
    exit 1
  fi
else
  say "installed but not started; when the config and credentials are ready:"
  say "  sudo -u $NAME $NODE $PREFIX/edge-agent.mjs doctor --config $ETC/config.json"
  say "  sudo systemctl start $NAME"
fi
