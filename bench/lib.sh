# Shared by bench/run and bench/slow-clients (sourced, not run).
#
# Everything here stays on 127.0.0.1 (and other loopback addresses), in a
# temporary directory removed at exit, with processes this script started
# and stops itself (by their process ids).

BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(dirname "$BENCH_HERE")
BENCH_BUILD=${BENCH_BUILD_DIR:-$BENCH_ROOT/build-bench}
BENCH_PIDS=()
BENCH_TMP=

say() { printf '%s: %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

# bench_packages CMD:PACKAGE ... : installs from Debian the packages whose command is missing.
bench_packages() {
	local missing=() pair cmd pkg
	for pair in "$@"; do
		cmd=${pair%%:*}
		pkg=${pair#*:}
		command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	local sudo=()
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}; run as root or install sudo"
		sudo=(sudo)
	fi
	say "installing ${missing[*]} (benchmark tools, not runtime dependencies)"
	# Debian's nginx package starts the system nginx (port 80) where an init
	# system runs; the benchmark never uses it and starts its own.
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

# An optimised gcscp in $BENCH_BUILD (its own build directory); GCSCP_BIN=path
# uses that binary instead and builds nothing.
bench_build() {
	if [ -n "${GCSCP_BIN:-}" ]; then
		[ -x "$GCSCP_BIN" ] || die "GCSCP_BIN=$GCSCP_BIN is not an executable"
		return 0
	fi
	if ! command -v meson >/dev/null 2>&1 || ! command -v ninja >/dev/null 2>&1 ||
		! pkg-config --exists libmicrohttpd 2>/dev/null; then
		"$BENCH_ROOT/scripts/setup"
	fi
	if [ -f "$BENCH_BUILD/build.ninja" ]; then
		meson configure "$BENCH_BUILD" -Dbuildtype=release -Db_ndebug=true >/dev/null
	else
		meson setup "$BENCH_BUILD" "$BENCH_ROOT" -Dbuildtype=release -Db_ndebug=true >/dev/null
	fi
	local log
	log=$(mktemp)
	if ! ninja -C "$BENCH_BUILD" gcscp >"$log" 2>&1; then
		grep -E 'error|FAILED' "$log" | head -5 >&2 || true
		rm -f "$log"
		die "the build failed (ninja -C $BENCH_BUILD gcscp)"
	fi
	rm -f "$log"
	GCSCP_BIN=$BENCH_BUILD/gcscp
}

bench_cleanup() {
	local pid
	for pid in "${BENCH_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${BENCH_PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	BENCH_PIDS=()
	if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			say "kept $BENCH_TMP"
		else
			rm -rf "$BENCH_TMP"
		fi
	fi
}

# Drops a process that has ended from the list the cleanup stops.
forget_pid() {
	local keep=() p
	for p in "${BENCH_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BENCH_PIDS=("${keep[@]}")
}

bench_tmpdir() {
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gcscp-bench.XXXXXX")
	# nginx's workers run as "nobody" when started by root: they must be able
	# to read the static root. The data directory stays private.
	chmod 755 "$BENCH_TMP"
	mkdir -m 700 "$BENCH_TMP/data"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_200 URL SECONDS
wait_200() {
	local url=$1 deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)" = 200 ] && return 0
		sleep 0.2
	done
	return 1
}

# Migrates, loads the demo data and serves it: sets GCSCP_PORT, GCSCP_PID, GCSCP_URL.
start_gcscp() {
	local data=$BENCH_TMP/data
	"$GCSCP_BIN" migrate --data "$data" >"$BENCH_TMP/migrate.log" 2>&1 || die "gcscp migrate failed: $(tail -3 "$BENCH_TMP/migrate.log")"
	"$GCSCP_BIN" demo --data "$data" >"$BENCH_TMP/demo.log" 2>&1 || die "gcscp demo failed: $(tail -3 "$BENCH_TMP/demo.log")"
	# SIZE synthetic policies (bench/run; bench/seed), before the server starts.
	if [ "${SIZE:-0}" -gt 0 ]; then
		[ -x "$BENCH_HERE/seed" ] || die "SIZE=$SIZE needs bench/seed"
		say "seeding $SIZE synthetic policy items (bench/seed)"
		local t0=$SECONDS
		"$BENCH_HERE/seed" --data "$data" -n "$SIZE" --gcscp "$GCSCP_BIN" >"$BENCH_TMP/seed.log" 2>&1 ||
			die "bench/seed failed: $(tail -5 "$BENCH_TMP/seed.log")"
		# shellcheck disable=SC2034 # read by bench/run's report
		SEED_SECONDS=$((SECONDS - t0))
	fi
	GCSCP_PORT=$(free_port)
	local threads=()
	[ -n "${SERVER_THREADS:-}" ] && threads=(--threads "$SERVER_THREADS")
	# The access log (one JSON line a request) goes to a file: it is part of
	# what the server does for every request.
	"$GCSCP_BIN" serve --data "$data" --listen "127.0.0.1:$GCSCP_PORT" --insecure-cookies "${threads[@]}" \
		2>"$BENCH_TMP/gcscp.log" >/dev/null &
	GCSCP_PID=$!
	BENCH_PIDS+=("$GCSCP_PID")
	GCSCP_URL=http://127.0.0.1:$GCSCP_PORT
	wait_200 "$GCSCP_URL/healthz" 20 || die "gcscp did not answer 200 on /healthz: $(tail -5 "$BENCH_TMP/gcscp.log")"
}

# CPU time (clock ticks, user + system) of the given processes, threads included.
cpu_ticks() {
	local total=0 pid t
	for pid in "$@"; do
		[ -r "/proc/$pid/stat" ] || continue
		t=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
		total=$((total + t))
	done
	echo "$total"
}

# Peak resident set (kB, VmHWM) summed over the given processes.
peak_rss_kb() {
	local total=0 pid v
	for pid in "$@"; do
		v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# Resets the peak resident set to the current one (Linux: clear_refs 5).
reset_peak_rss() {
	local pid
	for pid in "$@"; do
		echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
	done
}

# wrk's latency text ("812.00us", "1.38ms", "1.02s") in milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
		printf "%.2f", n }'
}

# parse_wrk FILE: sets W_RPS W_REQ W_P50 W_P99 W_NON2XX W_SOCK (connect/read/write/timeout).
# shellcheck disable=SC2034 # read by the callers
parse_wrk() {
	local f=$1
	W_RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")
	W_REQ=$(awk '/requests in/ {print $1}' "$f")
	W_P50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
	W_P99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
	W_NON2XX=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
	W_NON2XX=${W_NON2XX:-0}
	W_SOCK=$(awk '/Socket errors:/ {gsub(",", ""); print $4 "/" $6 "/" $8 "/" $10}' "$f")
	W_SOCK=${W_SOCK:-0/0/0/0}
	[ -n "$W_RPS" ] || W_RPS=0
	[ -n "$W_REQ" ] || W_REQ=0
}

machine_notes() {
	local cores model
	cores=$(nproc)
	model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
	printf -- '- machine: %s cores (%s), Linux %s, %s MiB RAM\n' "$cores" "${model:-unknown CPU}" "$(uname -r)" \
		"$(awk '/^MemTotal:/ {printf "%d", $2 / 1024}' /proc/meminfo)"
	printf -- '- load average at start: %s\n' "${LOAD_START:-$(cut -d' ' -f1-3 /proc/loadavg)}"
	printf -- '- gcscp: %s, commit %s%s, libmicrohttpd %s, build %s (release, NDEBUG)\n' \
		"$("$GCSCP_BIN" --version 2>/dev/null | head -1)" "$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
		"$(git -C "$BENCH_ROOT" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')" \
		"$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo '?')" "${BENCH_BUILD#"$BENCH_ROOT"/}"
}
