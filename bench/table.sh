#!/bin/bash
#  bench/table.sh -- one command, one table: licrepo's benches, each beside
#  its baseline measured in the same run (raw Ed25519 verifies/s, V and
#  V2), and, where PostgreSQL 15 is installed, the PostgreSQL 15
#  logical-replication chain of ../shared/peers/pg run in the same session
#  (called where it is, never copied), with the ratios and the targets.
#
#      bench/table.sh [BUILD_DIR]          (default $B, else ./build)
#
#  Environment:
#      N=20000      events: publish runs, replication (N/2 per county),
#                   the catch-up backlog, PostgreSQL rows (N, and N/2 more
#                   while its city is down, so its backlog is ~N too)
#      RUNS=3       runs of each; the table shows medians
#      PG_PEERS     the PostgreSQL chain's folder (default ../shared/peers/pg
#                   from the top of the repository); PG=0 skips it
#      QUIET_MAX=10 seconds the PostgreSQL script waits for a quiet machine
#      SCALE=0      licenses to fill a node with before a publish row at that
#                   size (bench/publish -f SCALE): its ratio against the fresh
#                   row, its RSS, its bytes on disk per license (0 skips it;
#                   1000000 takes ~3 minutes here, 10000000 ~30)
#      OUT          folder for every program's full output (default a new
#                   /tmp/bench-table.*), kept for reading afterwards
#
#  "CPU:" beside a ratio is the same ratio from CPU times taken at the same
#  instants -- the nodes' own timing of their signature checks
#  (licrepo_signature_check_cpu_seconds_total) against their CPU and the
#  publishers' -- what a dedicated 2-core machine would give; the VM's
#  speed changing between the baseline's measure and the run moves the
#  wall-clock ratio, not this one.
#
#  Figures only: nothing here fails on a slow machine.  Wall-clock figures
#  on a shared machine are noisy: compare the ratios of one run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
B=${1:-${B:-$repo/build}}
N=${N:-20000}
RUNS=${RUNS:-3}
SCALE=${SCALE:-0}
PG_PEERS=${PG_PEERS:-$repo/../shared/peers/pg}
OUT=${OUT:-$(mktemp -d /tmp/bench-table.XXXXXX)}
mkdir -p "$OUT"
for p in publish replicate catchup tree hash files; do
    [ -x "$B/bench/$p" ] || { echo "table.sh: no $B/bench/$p (build first: ninja -C $B)" >&2; exit 2; }
done
[ "$N" -ge 1000 ] || { echo "table.sh: N must be at least 1000" >&2; exit 2; }

#  values of key=... on the lines of $1 starting "table $2", one a line
kvs() { sed -n "s/^table $2 .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1"; }
#  the last line's value (one line per program) / the median of all lines (one per run)
kv() { kvs "$@" | tail -1; }
kvm() { kvs "$@" | med; }
#  TSV field key=... of PostgreSQL's lines of one test, one per line
pgf() { grep -P "^pg\t$2\t" "$1" | tr '\t' '\n' | sed -n "s/^$3=//p"; }
#  median of numbers on stdin ("" if none)
med() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR%2)? a[(NR+1)/2]: (a[NR/2]+a[NR/2+1])/2}'; }
#  a / b with the format, or "—"
ratio() { awk -v a="${1:-}" -v b="${2:-}" -v f="${3:-%.2f}" 'BEGIN {if (a == "" || b == "" || b+0 == 0) print "—"; else printf f "\n", a / b}'; }
num() { awk -v a="${1:-}" -v f="$2" 'BEGIN {if (a == "") print "—"; else printf f "\n", a}'; }
say() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

say "output of every program in $OUT; N=$N, $RUNS runs each"
say "bench/hash"
"$B/bench/hash" 100000 "$RUNS" > "$OUT/hash.txt" 2>&1
say "bench/tree"
"$B/bench/tree" -n "$N" -b 1,100 -r "$RUNS" > "$OUT/tree.txt" 2>&1
say "bench/publish -n $N"
"$B/bench/publish" -n "$N" -r "$RUNS" > "$OUT/publish.txt" 2>&1
say "bench/publish -n $N -c (single publishes coalesced by the client library)"
"$B/bench/publish" -n "$N" -r "$RUNS" -c > "$OUT/publish-coalesced.txt" 2>&1
say "bench/publish -n $N -b 256 (batches of up to 256 events a frame: licctl import's path)"
"$B/bench/publish" -n "$N" -r "$RUNS" -b 256 > "$OUT/publish-batch.txt" 2>&1
if [ "$SCALE" -gt 0 ]; then
    say "bench/publish -n $N -f $SCALE (into a repository of $SCALE licenses)"
    "$B/bench/publish" -n "$N" -r "$RUNS" -f "$SCALE" > "$OUT/publish-scale.txt" 2>&1
fi
say "bench/replicate -n $((N / 2)) per county"
"$B/bench/replicate" -n $((N / 2)) -r "$RUNS" > "$OUT/replicate.txt" 2>&1
say "bench/replicate -n $((N / 2)) per county -c (the departments' publishes coalesced by the client library)"
"$B/bench/replicate" -n $((N / 2)) -r "$RUNS" -c > "$OUT/replicate-coalesced.txt" 2>&1
: > "$OUT/catchup.txt"
for r in $(seq 1 "$RUNS"); do
    say "bench/catchup -n $N (run $r)"
    "$B/bench/catchup" -n "$N" -c $((N < 50000? N: 50000)) >> "$OUT/catchup.txt" 2>&1
done
say "bench/files -r $RUNS (license files: 2 counties -> city -> province)"
"$B/bench/files" -r "$RUNS" -f 100 -e $((N / 20 < 5000? N / 20: 5000)) > "$OUT/files.txt" 2>&1

pg_note=""
pg="$OUT/pg.txt"
: > "$pg"
if [ "${PG:-1}" = 0 ]; then
    pg_note="PostgreSQL skipped (PG=0)"
elif [ ! -x "$PG_PEERS/run.sh" ]; then
    pg_note="PostgreSQL skipped: no $PG_PEERS/run.sh (set PG_PEERS)"
elif [ ! -x /usr/lib/postgresql/15/bin/initdb ] && [ -z "${PGBIN:-}" ]; then
    pg_note="PostgreSQL skipped: PostgreSQL 15 is not installed (apt-get install postgresql-15)"
elif [ "$(id -u)" != 0 ] && [ "$(id -un)" != postgres ]; then
    pg_note="PostgreSQL skipped: its script runs as root or postgres"
else
    say "PostgreSQL chain: $PG_PEERS/run.sh $RUNS (load1, recovery)"
    #  One verify's CPU just before and after it: the machine's speed at
    #  PostgreSQL's moment, to set its cost against ours in verifies.
    "$B/bench/publish" -V > "$OUT/pg-verify.txt" 2>&1
    N=$N EXTRA=$((N / 2)) TESTS="load1 recovery" QUIET_MAX=${QUIET_MAX:-10} \
        DATA="$OUT/pg-data" RES="$OUT" "$PG_PEERS/run.sh" "$RUNS" > "$pg" 2> "$OUT/pg.err"
    "$B/bench/publish" -V >> "$OUT/pg-verify.txt" 2>&1
    rm -rf "$OUT/pg-data"
    grep -qP '^pg\tload1\t' "$pg" || pg_note="PostgreSQL run gave no figures: see $OUT/pg.err"
fi

#  licrepo's figures (medians printed by the benches; catch-up runs here)
pub=$OUT/publish.txt rep=$OUT/replicate.txt
p_rate=$(kv "$pub" publish events_s) p_v2=$(kv "$pub" publish v2) p_ratio=$(kv "$pub" publish ratio)
p_us=$(kv "$pub" publish node_us)
pc=$OUT/publish-coalesced.txt
c_rate_p=$(kv "$pc" publish_coalesced events_s) c_v2=$(kv "$pc" publish_coalesced v2)
c_ratio_p=$(kv "$pc" publish_coalesced ratio) c_us_p=$(kv "$pc" publish_coalesced node_us)
c_frame=$(kv "$pc" publish_coalesced per_frame)
rc=$OUT/replicate-coalesced.txt
rc_rate=$(kv "$rc" replicate_coalesced events_s) rc_v=$(kv "$rc" replicate_coalesced v)
rc_ratio=$(kv "$rc" replicate_coalesced ratio) rc_cpu=$(kv "$rc" replicate_coalesced cpu_us)
rc_vus=$(kv "$rc" replicate_coalesced verify_us)
rc_p50=$(kv "$rc" replicate_coalesced p50_ms) rc_p99=$(kv "$rc" replicate_coalesced p99_ms)
pb=$OUT/publish-batch.txt
b_rate=$(kv "$pb" publish_batch events_s) b_v2=$(kv "$pb" publish_batch v2)
b_ratio=$(kv "$pb" publish_batch ratio) b_us=$(kv "$pb" publish_batch node_us)
b_frame=$(kv "$pb" publish_batch per_frame)
ps=$OUT/publish-scale.txt
s_rate="" s_ratio="" s_us="" s_rss="" s_bpl="" s_lic=""
if [ -s "$ps" ]; then
    s_rate=$(kv "$ps" publish events_s) s_ratio=$(kv "$ps" publish ratio) s_us=$(kv "$ps" publish node_us)
    s_rss=$(kv "$ps" publish rss_mib) s_lic=$(kv "$ps" publish_fill licenses)
    s_bpl=$(ratio "$(kv "$ps" publish_fill disk_bytes)" "$s_lic" '%.0f')
fi
r_rate=$(kv "$rep" replicate events_s) r_v=$(kv "$rep" replicate v) r_ratio=$(kv "$rep" replicate ratio)
r_cpu=$(kv "$rep" replicate cpu_us) r_ver=$(kv "$rep" replicate verify_pct)
r_p50=$(kv "$rep" replicate p50_ms) r_p99=$(kv "$rep" replicate p99_ms)
r_vus=$(kv "$rep" replicate verify_us)
r_lvl=$(awk -v c="$r_cpu" -v v="$r_vus" 'BEGIN {if (c != "" && v != "") printf "%.1f\n", (c - 3 * v) / 3}')
c_rate=$(kvm "$OUT/catchup.txt" catchup entries_s)
#  From the nodes' own timing of their checks (same instants as their CPU):
#  CPU beyond the check, and the ratio a dedicated 2-core machine would give
p_cr=$(kv "$pub" publish cpu_ratio) p_by=$(kv "$pub" publish beyond_us) p_chk=$(kv "$pub" publish check_us)
c_cr_p=$(kv "$pc" publish_coalesced cpu_ratio) c_by_p=$(kv "$pc" publish_coalesced beyond_us)
b_cr=$(kv "$pb" publish_batch cpu_ratio) b_by=$(kv "$pb" publish_batch beyond_us)
s_cr="" s_by=""
[ -s "$ps" ] && s_cr=$(kv "$ps" publish cpu_ratio) s_by=$(kv "$ps" publish beyond_us)
r_cr=$(kv "$rep" replicate cpu_ratio) r_by=$(kv "$rep" replicate beyond_us) r_chk=$(kv "$rep" replicate check_us)
rc_cr=$(kv "$rc" replicate_coalesced cpu_ratio) rc_by=$(kv "$rc" replicate_coalesced beyond_us)
rc_chk=$(kv "$rc" replicate_coalesced check_us)
cu_cr=$(kvm "$OUT/catchup.txt" catchup cpu_ratio)
cu_by=$(kvm "$OUT/catchup.txt" catchup beyond_us)
f_raw=$(kvm "$OUT/files.txt" files raw_mb_s)
f_prov=$(kvm "$OUT/files.txt" files province_mb_s)
f_ratio=$(kvm "$OUT/files.txt" files ratio)
f_ev=$(kvm "$OUT/files.txt" files events_ratio)
c_v=$(kvm "$OUT/catchup.txt" catchup v)
c_ratio=$(kvm "$OUT/catchup.txt" catchup ratio)
c_secs=$(kvm "$OUT/catchup.txt" catchup secs)
c_us=$(kvm "$OUT/catchup.txt" catchup city_us)
t_keys=$(grep '^table tree batch=100 ' "$OUT/tree.txt" | sed -n 's/.*\bkeys=\([^ ]*\).*/\1/p')
t_wal=$(grep '^table tree batch=100 ' "$OUT/tree.txt" | sed -n 's/.*\bwal_b=\([^ ]*\).*/\1/p')
t_wal1=$(grep '^table tree batch=1 ' "$OUT/tree.txt" | sed -n 's/.*\bwal_b=\([^ ]*\).*/\1/p')
h_so=$(kv "$OUT/hash.txt" hash leaf_sodium_us) h_se=$(kv "$OUT/hash.txt" hash leaf_seal_us)
hn_so=$(kv "$OUT/hash.txt" hash node_sodium_us) hn_se=$(kv "$OUT/hash.txt" hash node_seal_us)

#  PostgreSQL's (medians of its runs; "ok" means all three levels agreed)
g_rate=$(pgf "$pg" load1 e2e_rows_s | med)
g_us=$(pgf "$pg" load1 pg_us_per_row_per_level | med)
g_rec=$(pgf "$pg" recovery province_caught_up_s | med)
g_mb=$(pgf "$pg" load1 table_MB | med)
g_bpr=$(awk -v m="$g_mb" -v n="$N" 'BEGIN {if (m != "") printf "%.0f\n", m * 1048576 / n}')
g_ok=$(grep -cP '^pg\t.*\tok$' "$pg")
g_vus=$(kvm "$OUT/pg-verify.txt" verify_cpu us 2>/dev/null)
#  Per level in units of one verify at each side's moment: ours from the
#  nodes' own checks, PostgreSQL's from the verifies timed around its run
r_byv=$(ratio "$r_by" "$r_chk" '%.3f') g_usv=$(ratio "$g_us" "$g_vus" '%.3f')
rc_byv=$(ratio "$rc_by" "$rc_chk" '%.3f')
g_all=$(grep -cP '^pg\t' "$pg")

echo
echo "licrepo bench table, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), N=$N, medians of $RUNS"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (shared machines are noisy: read the ratios)"
[ -n "$pg_note" ] && echo "$pg_note"
[ -z "$pg_note" ] && echo "PostgreSQL 15 chain: $g_ok of $g_all runs with all three levels identical (its lines in $pg)"
echo
echo "| measure | licrepo | same-run baseline | ratio | PostgreSQL 15 | licrepo : PostgreSQL | target |"
echo "|---|---|---|---|---|---|---|"
echo "| publish, one node, durable acks | $(num "$p_rate" '%.0f') events/s; node $(num "$p_us" '%.1f') CPU-µs/event, $(num "$p_by" '%.1f') beyond its check ($(num "$p_chk" '%.1f') µs) | V2 = $(num "$p_v2" '%.0f')/s | $(num "$p_ratio" '%.2f') × V2 (CPU: $(num "$p_cr" '%.2f')) | — | — | ≥ 0.6 × V2 |"
echo "| publish, one node, single events coalesced by the client (licclient_coalesce, $(num "$c_frame" '%.0f') events a frame) | $(num "$c_rate_p" '%.0f') events/s; node $(num "$c_us_p" '%.1f') CPU-µs/event, $(num "$c_by_p" '%.1f') beyond its check | V2 = $(num "$c_v2" '%.0f')/s | $(num "$c_ratio_p" '%.2f') × V2 (CPU: $(num "$c_cr_p" '%.2f')) | — | — | ≥ 0.6 × V2 |"
echo "| publish in batches (PublishBatch, $(num "$b_frame" '%.0f') events a frame: licctl import's path) | $(num "$b_rate" '%.0f') events/s; node $(num "$b_us" '%.1f') CPU-µs/event, $(num "$b_by" '%.1f') beyond its check | V2 = $(num "$b_v2" '%.0f')/s | $(num "$b_ratio" '%.2f') × V2 (CPU: $(num "$b_cr" '%.2f')) | — | — | import ≥ 0.8 × V2 |"
if [ -s "$ps" ]; then
echo "| publish into a repository of $(num "$s_lic" '%.0f') licenses (bench/publish -f) | $(num "$s_rate" '%.0f') events/s; node $(num "$s_us" '%.1f') CPU-µs/event; peak RSS $(num "$s_rss" '%.0f') MiB; $(num "$s_bpl" '%.0f') bytes on disk a license | fresh repository: $(num "$p_ratio" '%.2f') × V2 | $(num "$s_ratio" '%.2f') × V2 = $(ratio "$s_ratio" "$p_ratio") of fresh (CPU: $(num "$s_cr" '%.2f') = $(ratio "$s_cr" "$p_cr") of fresh) | $(num "$g_bpr" '%.0f') bytes a row (its table at $N rows) | $(ratio "$s_bpl" "$g_bpr") of its bytes | ≥ 0.8 of fresh; RSS ≤ 512 MiB |"
fi
echo "| county → city → province, end to end | $(num "$r_rate" '%.0f') events/s | V = $(num "$r_v" '%.0f')/s | $(num "$r_ratio" '%.2f') × V/3 (CPU: $(num "$r_cr" '%.2f')) | $(num "$g_rate" '%.0f') rows/s | $(ratio "$r_rate" "$g_rate") | ≥ 0.7 × V/3; ≥ 0.5 × PostgreSQL |"
echo "| CPU per event per level, signature check excluded | $(num "$r_by" '%.1f') µs (from the nodes' own checks, $(num "$r_chk" '%.1f') µs each; from one verify timed after the run: $(num "$r_lvl" '%.1f')) | all levels $(num "$r_cpu" '%.0f') µs/event | — | $(num "$g_us" '%.1f') µs/row/level (its whole cost; one verify at its moment $(num "$g_vus" '%.1f') µs) | $(ratio "$r_by" "$g_us") (in verifies of each moment: $(ratio "$r_byv" "$g_usv")) | ≤ 1.0 × PostgreSQL |"
echo "| the same, publishers coalescing (bench/replicate -c) | $(num "$rc_rate" '%.0f') events/s; $(num "$rc_by" '%.1f') µs a level beyond the check ($(ratio "$rc_by" "$g_us") × PostgreSQL's; in verifies of each moment $(ratio "$rc_byv" "$g_usv") ×); p50 $(num "$rc_p50" '%.1f') ms, p99 $(num "$rc_p99" '%.1f') ms at 1,000/s | V = $(num "$rc_v" '%.0f')/s | $(num "$rc_ratio" '%.2f') × V/3 (CPU: $(num "$rc_cr" '%.2f')) | $(num "$g_rate" '%.0f') rows/s | $(ratio "$rc_rate" "$g_rate") | ≥ 0.7 × V/3; ≥ 0.5 × PostgreSQL |"
echo "| catch-up of a parent, $N entries behind | $(num "$c_rate" '%.0f') entries/s, $(num "$c_secs" '%.2f') s; parent $(num "$c_us" '%.1f') µs/entry, $(num "$cu_by" '%.1f') beyond its check | V = $(num "$c_v" '%.0f')/s | $(num "$c_ratio" '%.2f') × V (CPU: $(num "$cu_cr" '%.2f')) | province caught up in $(num "$g_rec" '%.2f') s (city down, ~$N rows behind) | $(ratio "$c_secs" "$g_rec") of its time | ≥ 0.75 × V; < 0.6 × PostgreSQL's time |"
echo "| publish → province latency at 1,000 events/s | p50 $(num "$r_p50" '%.1f') ms, p99 $(num "$r_p99" '%.1f') ms | — | — | — | — | p99 ≤ 20 ms |"
echo "| license files (2 MB) put at two counties, durable at the province (bench/files) | $(num "$f_prov" '%.1f') MB/s; events while files flow $(num "$f_ev" '%.2f') × without | raw synced sequential write $(num "$f_raw" '%.0f') MB/s | $(num "$f_ratio" '%.2f') × raw | — | — | ≥ 0.5 × raw; events ≥ 0.8 × |"
echo "| Merkle tree per entry (bench/tree, batches of 100; of 1) | $(num "$t_keys" '%.3f') keys, $(num "$t_wal" '%.0f') WAL bytes ($(num "$t_wal1" '%.0f')) | schema 2: 2.000 keys, 102 (121) bytes | — | — | — | ~1 key per 256 entries |"
echo "| SHA-256 of a 1 KB leaf; of a node (bench/hash) | $(num "$h_se" '%.2f') µs; $(num "$hn_se" '%.3f') µs | libsodium $(num "$h_so" '%.2f') µs; $(num "$hn_so" '%.3f') µs | $(ratio "$h_so" "$h_se" '%.1f')×; $(ratio "$hn_so" "$hn_se" '%.1f')× faster | — | — | — |"
