#!/usr/bin/env bash
# bench/run.sh — time softsa against the cost of reading the capture.
#
#   bench/run.sh [-s SIZE] [-f FILE] [-r RUNS] [-t TSHARK_RUNS] [-e 0|1] [-o DIR]
#
#   -s SIZE   size of the mixed capture to write with bench/bigcap (default 1GiB;
#             e.g. 256MiB, 4GiB); ignored with -f
#   -f FILE   time an existing capture instead
#   -r RUNS   runs of each Go tool; the fastest counts (default 5)
#   -t RUNS   runs of tshark (default 1: it takes seconds per GiB); 0 skips it
#   -e 0|1    also time softsa on the capture's ETL twin (default 1): the
#             same packets as an uncompressed pktmon trace (bench/etltwin),
#             written to DIR once; softsa runs on the two alternate
#   -o DIR    where the capture is written and kept for the next run (default
#             ${TMPDIR:-/tmp}); it is never written inside the repository
#
# It builds softsa, bench/readloop, bench/parseloop and bench/bigcap, writes the
# capture unless it exists, then runs in turn: cat, the bare pcapgo read loop,
# the read + DecodingLayerParser loop, `softsa -q --format json` (and on the
# ETL twin, alternately), and `tshark -qz conv,ip` when tshark is installed, each under /usr/bin/time -v
# and each after reading the file into the page cache again. It prints wall
# time, MB/s (10^6 bytes of file per second), frames/s, CPU time, peak RSS
# ("Maximum resident set size") and the ratios the targets are stated in.
set -euo pipefail

size=1GiB file="" runs=5 truns=1 etl=1 dir="${TMPDIR:-/tmp}"
while getopts "s:f:r:t:e:o:h" opt; do
	case $opt in
	s) size=$OPTARG ;;
	f) file=$OPTARG ;;
	r) runs=$OPTARG ;;
	t) truns=$OPTARG ;;
	e) etl=$OPTARG ;;
	o) dir=$OPTARG ;;
	*) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/softsa-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing GNU time (/usr/bin/time) for peak RSS…" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
	else
		echo "bench/run.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
		exit 2
	fi
fi

echo "building…" >&2
(cd "$root" && go build -o "$work/softsa" . && go build -o "$work/readloop" ./bench/readloop &&
	go build -o "$work/parseloop" ./bench/parseloop && go build -o "$work/bigcap" ./bench/bigcap &&
	go build -o "$work/etltwin" ./bench/etltwin)

if [ -z "$file" ]; then
	case $(cd "$dir" && pwd)/ in
	"$root"/*) echo "bench/run.sh: -o $dir is inside the repository; use /tmp" >&2; exit 2 ;;
	esac
	file="$dir/softsa-bench-$size.pcapng"
	if [ ! -s "$file" ]; then
		echo "writing $file…" >&2
		"$work/bigcap" -size "$size" -o "$file.part" >&2
		mv "$file.part" "$file"
	fi
fi
[ -r "$file" ] || { echo "bench/run.sh: cannot read $file" >&2; exit 2; }

bytes=$(stat -c %s "$file")
frames=$("$work/readloop" "$file" | awk '{print $2}')

twin=""
if [ "$etl" = 1 ]; then
	twin="$dir/$(basename "$file" | sed 's/\.[^.]*$//').twin.etl"
	case $(cd "$(dirname "$twin")" && pwd)/ in
	"$root"/*) echo "bench/run.sh: $twin would be inside the repository; use -o /tmp" >&2; exit 2 ;;
	esac
	if [ ! -s "$twin" ] || [ "$twin" -ot "$file" ]; then
		echo "writing the ETL twin $twin…" >&2
		"$work/etltwin" "$file" "$twin.part" >&2
		mv "$twin.part" "$twin"
	fi
fi

# measure NAME RUNS CMD…: the fastest of RUNS runs (wall, user, sys) and the
# highest peak RSS of all of them, appended to $work/results.
measure() {
	local name=$1 n=$2
	shift 2
	local best="" i
	for ((i = 0; i < n; i++)); do
		# Read the file again first: some kernels (DAMON reclaim in VMs)
		# drop cold page-cache pages within seconds.
		cat "$file" >/dev/null
		# softsa exits 1 when it found something: only 2 and up are errors.
		set +e
		/usr/bin/time -v -o "$work/time" "$@" >/dev/null 2>"$work/stderr"
		local rc=$?
		set -e
		if [ $rc -ge 2 ] || ! grep -q "Maximum resident" "$work/time"; then
			echo "bench/run.sh: $name failed (exit $rc):" >&2
			cat "$work/stderr" "$work/time" >&2
			exit 1
		fi
		local line
		line=$(awk -F': ' '
			/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
			/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
			END { printf "%.2f %.2f %.2f %d\n", w, u, s, r }' "$work/time")
		best=$(printf '%s\n%s\n' "$best" "$line" | awk 'NF {
			if (!seen || $1 < w) { w = $1; u = $2; s = $3 } if ($4 > r) r = $4; seen = 1 }
			END { printf "%.2f %.2f %.2f %d\n", w, u, s, r }')
	done
	echo "$name $best" >>"$work/results"
}

# measure_file NAME RUNS FILE CMD…: measure, reading FILE into the page
# cache before each run (the ETL twin is not the capture).
measure_file() {
	local name=$1 n=$2 saved=$file
	file=$3
	shift 3
	measure "$name" "$n" "$@"
	file=$saved
}

echo "timing $file ($bytes bytes, $frames frames), fastest of $runs runs…" >&2
measure cat "$runs" cat "$file"
measure readloop "$runs" "$work/readloop" "$file"
measure parseloop "$runs" "$work/parseloop" "$file"
if [ -n "$twin" ]; then
	# Side by side: the capture and its twin alternate, run by run, so
	# that both see the same spells of load; the fastest of each counts.
	for ((k = 0; k < runs; k++)); do
		measure softsa 1 "$work/softsa" -q --format json "$file"
		measure_file softsa-etl 1 "$twin" "$work/softsa" -q --format json "$twin"
	done
else
	measure softsa "$runs" "$work/softsa" -q --format json "$file"
fi
if [ "$truns" -gt 0 ] && command -v tshark >/dev/null; then
	measure tshark "$truns" tshark -r "$file" -qz conv,ip
fi

# Several lines of one name (runs that alternated): the fastest wall time
# with its CPU times, the highest peak RSS, in the order they first came.
awk '{
	if (!($1 in w)) { order[++n] = $1; w[$1] = $2; u[$1] = $3; s[$1] = $4; r[$1] = $5; next }
	if ($2 < w[$1]) { w[$1] = $2; u[$1] = $3; s[$1] = $4 }
	if ($5 > r[$1]) r[$1] = $5
} END { for (i = 1; i <= n; i++) { k = order[i]; print k, w[k], u[k], s[k], r[k] } }' "$work/results" >"$work/best"

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)
echo
echo "$(basename "$file"): $((bytes / 1048576)) MiB, $frames frames; $(nproc) CPUs; $(uname -r); load average after: $load"
[ -n "$twin" ] && echo "ETL twin $(basename "$twin"): $(($(stat -c %s "$twin") / 1048576)) MiB (MB/s below are of the capture's bytes)"
awk -v bytes="$bytes" -v frames="$frames" '
	BEGIN {
		label["cat"] = "cat > /dev/null"
		label["readloop"] = "pcapgo zero-copy read loop"
		label["parseloop"] = "read + DecodingLayerParser"
		label["softsa"] = "softsa --format json"
		label["softsa-etl"] = "softsa, the ETL twin"
		label["tshark"] = "tshark -qz conv,ip"
		printf "%-28s %8s %9s %12s %8s %8s %10s\n", "", "wall s", "MB/s", "frames/s", "user s", "sys s", "peak RSS"
	}
	{
		w[$1] = $2
		wall = $2 > 0 ? $2 : 0.01
		fps = $1 == "cat" ? "-" : sprintf("%.0f", frames / wall)
		printf "%-28s %8.2f %9.0f %12s %8.2f %8.2f %6.1f MiB\n", label[$1], $2, bytes / wall / 1e6, fps, $3, $4, $5 / 1024
		rss[$1] = $5
	}
	END {
		print ""
		if (w["parseloop"] > 0) printf "softsa / read+parse loop:   %5.2f×   (target ≤ 2.0×)\n", w["softsa"] / w["parseloop"]
		if (w["readloop"] > 0) printf "softsa / bare read loop:    %5.2f×\n", w["softsa"] / w["readloop"]
		if (w["tshark"] > 0) printf "tshark / softsa:            %5.1f×   (target ≥ 25×)\n", w["tshark"] / (w["softsa"] > 0 ? w["softsa"] : 0.01)
		printf "softsa peak RSS:            %5.1f MiB (target ≤ 64 MiB)\n", rss["softsa"] / 1024
		if (w["softsa-etl"] > 0) {
			printf "ETL twin / capture:         %5.2f×   (target ≤ 2.0×)\n", w["softsa-etl"] / (w["softsa"] > 0 ? w["softsa"] : 0.01)
			printf "ETL twin peak RSS:          %5.1f MiB (target ≤ 64 MiB)\n", rss["softsa-etl"] / 1024
		}
	}' "$work/best"
