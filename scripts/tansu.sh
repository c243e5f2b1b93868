#!/usr/bin/env bash
# Installs (if missing), starts and stops tansu, an Apache-Kafka-compatible broker from
# crates.io, on loopback, for the real-broker runs of the test suite.
#
#   scripts/tansu.sh start   # install if needed, start on 127.0.0.1:${TANSU_PORT:-9092}, wait until it answers
#   scripts/tansu.sh stop    # stop the broker started by `start`
#
# Tests read KAFKA_BROKERS; after `start`, export KAFKA_BROKERS=127.0.0.1:9092.
set -euo pipefail

VERSION=0.6.0
PORT=${TANSU_PORT:-9092}
STATE_DIR=${TANSU_STATE_DIR:-${TMPDIR:-/tmp}/tansu-$PORT}
PID_FILE=$STATE_DIR/tansu.pid
LOG_FILE=$STATE_DIR/tansu.log
export PATH="$HOME/.cargo/bin:$PATH"

installed_version() {
    command -v tansu >/dev/null 2>&1 || return 1
    tansu --version 2>/dev/null | awk '{print $NF}'
}

install() {
    if [ "$(installed_version || true)" = "$VERSION" ]; then
        return
    fi
    echo "tansu.sh: installing tansu $VERSION from crates.io (about 11 minutes on 2 cores)" >&2
    # `dynostore` provides the memory:// storage engine; without it tansu refuses to start.
    cargo install tansu --version "$VERSION" --locked --features dynostore
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

start() {
    install
    mkdir -p "$STATE_DIR"
    if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
        echo "tansu.sh: already running (pid $(cat "$PID_FILE"))" >&2
        return
    fi
    if port_open; then
        echo "tansu.sh: port $PORT is already taken by another process" >&2
        exit 1
    fi
    nohup tansu broker \
        --listener-url "tcp://127.0.0.1:$PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$PORT" \
        --storage-engine "memory://tansu/" >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    for _ in $(seq 1 100); do
        if port_open; then
            echo "tansu.sh: tansu $VERSION listening on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"), log $LOG_FILE)" >&2
            return
        fi
        if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
            echo "tansu.sh: tansu exited at start; its log:" >&2
            cat "$LOG_FILE" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "tansu.sh: tansu did not open port $PORT within 20 s; its log:" >&2
    cat "$LOG_FILE" >&2
    exit 1
}

stop() {
    if [ -f "$PID_FILE" ]; then
        pid=$(cat "$PID_FILE")
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$PID_FILE"
        echo "tansu.sh: stopped" >&2
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    install) install ;;
    *) echo "usage: $0 start|stop|install" >&2; exit 2 ;;
esac
