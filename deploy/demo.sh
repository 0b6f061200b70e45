#!/usr/bin/env bash
#  The main job, on one machine: a real county -> city -> province
#  hierarchy of licnode processes on 127.0.0.1, departments registered at
#  two counties, a day's signed license events published at each (as
#  offline JSON-lines batches), aggregated level by level into the
#  province, and checked: status of every level, per-origin digests equal
#  at county, city and province, a license read back at the province with
#  its history, an inclusion proof verified offline; then an application
#  body at a county queries within its scope (a refusal shown too), takes
#  an archived copy that is verified offline against the province's key,
#  and the audit log answers "who looked at this holder's licenses".
#
#    deploy/demo.sh [EVENTS_PER_COUNTY]     (default 2000)
#
#  Installs what is missing, builds, runs, stops every process it started
#  and leaves the data under ./demo-data for a look (removed on the next run).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n_events=${1:-2000}
"$top/deploy/install-deps.sh"
build="$top/build"
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
licnode="$build/node/licnode"
licctl="$build/node/licctl"

data="$top/demo-data"
rm -rf "$data"
mkdir -p "$data"
pids=()
cleanup () {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

#  A free port below the ephemeral range, never the same twice in this run
#  (set in FREE_PORT: a subshell could not remember what it handed out).
used_ports=" "
free_port () {
    local p
    while true; do
        p=$(python3 -c 'import random, socket
p = random.randint(20000, 31999); s = socket.socket()
try:
    s.bind(("127.0.0.1", p)); print(p)
except OSError:
    print(0)')
        if [ "$p" != 0 ] && [[ "$used_ports" != *" $p "* ]]; then
            used_ports+="$p "
            FREE_PORT=$p
            return
        fi
    done
}
say () { printf '\n== %s\n' "$*"; }

#  Divisions: province 330000, city 330100 (Hangzhou), counties 330106
#  (Xihu) and 330108 (Binjiang).
declare -A port rport qport
for d in 330000 330100 330106 330108; do
    free_port; port[$d]=$FREE_PORT
    free_port; rport[$d]=$FREE_PORT
    free_port; qport[$d]=$FREE_PORT
    "$licnode" init -d "$data/$d" --division "$d" >/dev/null
done

say "configuring the hierarchy (keys exchanged through node.pub files)"
cat > "$data/330000.json" <<EOF
{ "division": "330000", "name": "Zhejiang provincial license repository",
  "listen": "tcp://127.0.0.1:${port[330000]}", "replication_listen": "tcp://127.0.0.1:${rport[330000]}",
  "children": [ { "pub_file": "$data/330100/node.pub" } ] }
EOF
cat > "$data/330100.json" <<EOF
{ "division": "330100", "name": "Hangzhou city license repository",
  "listen": "tcp://127.0.0.1:${port[330100]}", "replication_listen": "tcp://127.0.0.1:${rport[330100]}",
  "parent": { "pub_file": "$data/330000/node.pub", "endpoint": "tcp://127.0.0.1:${rport[330000]}" },
  "children": [ { "pub_file": "$data/330106/node.pub" }, { "pub_file": "$data/330108/node.pub" } ] }
EOF
for d in 330106 330108; do
cat > "$data/$d.json" <<EOF
{ "division": "$d", "name": "county license repository $d",
  "listen": "tcp://127.0.0.1:${port[$d]}", "query_listen": "tcp://127.0.0.1:${qport[$d]}",
  "parent": { "pub_file": "$data/330100/node.pub", "endpoint": "tcp://127.0.0.1:${rport[330100]}" } }
EOF
done
for d in 330000 330100 330106 330108; do
    "$licnode" -c "$data/$d.json" -d "$data/$d" 2> "$data/$d.log" > /dev/null &
    pids+=($!)
    echo "licnode $d started (pid $!), clients on tcp://127.0.0.1:${port[$d]}"
done
for d in 330000 330100 330106 330108; do
    for i in $(seq 100); do "$licctl" -d "$data/$d" --timeout 500 status >/dev/null 2>&1 && break; sleep 0.1; done
done

#  Two departments, one per county, with their license types.
declare -A dept_code dept_type
dept_code[330106]=11430000006122244L; dept_type[330106]=11100000000013338W011
dept_code[330108]=11220000013544541J; dept_type[330108]=11100000000013338W032
for d in 330106 330108; do
    say "county $d: department ${dept_code[$d]} gets keys and is registered for type ${dept_type[$d]}"
    "$licctl" keygen --code "${dept_code[$d]}" --name "market regulation bureau $d" --out "$data/dept-$d.key" >/dev/null
    "$licctl" -d "$data/$d" register --dept "$data/dept-$d.key.pub" --types "${dept_type[$d]}"
done
declare -A type_file
type_file[330106]=business-license.json; type_file[330108]=construction-qualification.json
for d in 330106 330108; do
    say "county $d: the catalogue gets the data-item standard of type ${dept_type[$d]}"
    "$licctl" -d "$data/$d" catalogue add "$top/deploy/catalogue/${type_file[$d]}"
done

#  A day's work per county as JSON lines: issues, then changes of some.
#  Today's date in the province (UTC+8), each business completed at a time
#  of today before now, and every license with its own holder: a company
#  with its own unified social credit code (GB 32100 check character).
today=$(TZ=Asia/Shanghai date +%F)
now=$(date +%s)
day_start=$(TZ=Asia/Shanghai date -d "$today 00:00:00" +%s)
#  valid_to of a term of N months from today, as the catalogue computes it
#  (same day N months on, clamped to the month's end, minus one day)
term_end () {
    python3 -c 'import calendar, datetime, sys
d = datetime.date.fromisoformat(sys.argv[1]); n = int(sys.argv[2])
y, m = divmod(d.month - 1 + n, 12); y += d.year; m += 1
e = datetime.date(y, m, min(d.day, calendar.monthrange(y, m)[1])) - datetime.timedelta(days=1)
print(e.isoformat())' "$today" "$1"
}
valid_to_20y=$(term_end 240)
valid_to_5y=$(term_end 60)
#  n distinct companies' credit codes registered in division $1
holders () {
    python3 -c 'import sys
C = "0123456789ABCDEFGHJKLMNPQRTUWXY"; W = [1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]
for i in range(1, int(sys.argv[2]) + 1):
    s = "91" + sys.argv[1] + "MA%07d" % i
    print(s + C[(31 - sum(C.index(c) * w for c, w in zip(s, W)) % 31) % 31])' "$1" "$2"
}
gen_day () {
    local d=$1 n=$2 out=$3
    local issuer=${dept_code[$d]} type=${dept_type[$d]}
    local -a holder
    mapfile -t holder < <(holders "$d" "$n")
    : > "$out"
    for i in $(seq 1 "$n"); do
        local serial=$(printf '2026%07d' "$i")
        local id=$("$licctl" make-id --type "$type" --issuer "$issuer" --serial "$serial" | awk '/^license_id/ {print $2}')
        local op=issue ver=0 extra="" h=$i
        #  completed today, in the order of the lines, before now
        local done_at=$(( day_start + (now - day_start) * i / (n + 1) ))
        if [ $((i % 5)) -eq 0 ]; then
            #  every fifth line alters the license issued on the line before
            serial=$(printf '2026%07d' $((i - 1)))
            id=$("$licctl" make-id --type "$type" --issuer "$issuer" --serial "$serial" | awk '/^license_id/ {print $2}')
            op=alter; ver=1; h=$((i - 1))
        fi
        if [ "$type" = 11100000000013338W011 ]; then
            #  营业执照: open-ended here is not allowed: a 20-year term
            printf '{"op":"%s","license_id":"%s","expected_version":%d,"issuer_code":"%s","completed_at":%d,"license":{"name":"营业执照","holder":{"id_type":"001","id":"%s","name":"杭州示例科技有限公司%d"},"issue_date":"%s","valid_from":"%s","valid_to":"%s","division_code":"%s","service_item_code":"%s-000-XK-0001","items":{"credit_code":"%s","registered_capital":"%d万元人民币","business_scope":"技术服务、技术开发、技术咨询","legal_representative":"张%d","residence":"浙江省杭州市文三路%d号"},"seal_info":"电子印章 %s"}}\n' \
                "$op" "$id" "$ver" "$issuer" "$done_at" "${holder[h - 1]}" "$h" "$today" "$today" "$valid_to_20y" "$d" "$d" "${holder[h - 1]}" $((100 + i)) "$i" "$i" "$d" >> "$out"
        else
            #  建筑业企业资质证书: a fixed 60-month term
            printf '{"op":"%s","license_id":"%s","expected_version":%d,"issuer_code":"%s","completed_at":%d,"license":{"name":"建筑业企业资质证书","holder":{"id_type":"001","id":"%s","name":"浙江示例建设有限公司%d"},"issue_date":"%s","valid_from":"%s","valid_to":"%s","division_code":"%s","service_item_code":"%s-000-XK-0002","items":{"credit_code":"%s","certificate_number":"D%09d","legal_representative":"李%d","registered_capital":"%d万元人民币","address":"浙江省杭州市滨江区江南大道%d号","qualification_scope":"建筑工程施工总承包二级"},"seal_info":"电子印章 %s"}}\n' \
                "$op" "$id" "$ver" "$issuer" "$done_at" "${holder[h - 1]}" "$h" "$today" "$today" "$valid_to_5y" "$d" "$d" "${holder[h - 1]}" "$i" "$i" $((1000 + i)) "$i" "$d" >> "$out"
        fi
    done
}
for d in 330106 330108; do
    gen_day "$d" "$n_events" "$data/day-$d.jsonl"
done

say "publishing ${n_events} signed events at each county (offline batches, both at once)"
start=$(date +%s.%N)
pubs=()
for d in 330106 330108; do
    ( "$licctl" -n "$data/$d/node.pub" -k "$data/dept-$d.key" publish --file "$data/day-$d.jsonl" \
        > "$data/publish-$d.out"; tail -1 "$data/publish-$d.out" | sed "s/^/county $d: /" ) &
    pubs+=($!)
done
wait "${pubs[@]}"
say "publishing the same files again changes nothing (duplicates)"
"$licctl" -n "$data/330106/node.pub" -k "$data/dept-330106.key" publish --file "$data/day-330106.jsonl" | tail -1

say "waiting until the province holds everything"
for i in $(seq 600); do
    c1=$("$licctl" -d "$data/330106" --json status | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["head_seq"])')
    c2=$("$licctl" -d "$data/330108" --json status | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["head_seq"])')
    cs=$("$licctl" -d "$data/330100" --json status | python3 -c "
import json,sys
s=json.load(sys.stdin); ch={c['division']:c['acked_seq'] for c in s.get('children',[])}
print(1 if ch.get('330106')==$c1 and ch.get('330108')==$c2 and s['uplink']['acked_seq']==s['head_seq'] else 0)")
    [ "$cs" = 1 ] && break
    sleep 0.2
done
end=$(date +%s.%N)
python3 -c "print('all events durable at the province after %.1f s' % ($end - $start))"

for d in 330106 330100 330000; do
    say "status of $d"
    "$licctl" -d "$data/$d" status
done

say "per-origin digests: county, city and province must agree"
for d in 330106 330108 330100 330000; do
    echo "-- at $d"; "$licctl" -d "$data/$d" digest
done
fail=0
for origin in 330106 330108; do
    a=$("$licctl" -d "$data/$origin" --json digest | python3 -c "import json,sys; print(json.load(sys.stdin)['divisions']['$origin']['digest'])")
    for d in 330100 330000; do
        b=$("$licctl" -d "$data/$d" --json digest | python3 -c "import json,sys; print(json.load(sys.stdin)['divisions']['$origin']['digest'])")
        if [ "$a" = "$b" ]; then echo "origin $origin: $d equals the county"; else echo "origin $origin: $d DIFFERS"; fail=1; fi
    done
done

id=$("$licctl" make-id --type "${dept_type[330106]}" --issuer "${dept_code[330106]}" --serial 20260000004 | awk '/^license_id/ {print $2}')
say "license $id read back at the province, with its history"
"$licctl" -d "$data/330000" get "$id" --history

say "the catalogue at the province (travelled up with the counties' logs)"
"$licctl" -d "$data/330000" catalogue list
say "same-day release report at the province (events released after the day their business was completed)"
"$licctl" -d "$data/330000" report lateness

say "inclusion proof of entry 5 of the province's log, verified offline"
sleep 1.5   # let the province sign a checkpoint of its latest size
"$licctl" -d "$data/330000" prove --seq 5 --out "$data/proof.json"
"$licctl" verify-proof "$data/proof.json" --key-file "$data/330000/node.pub"

#  Sharing within scope (proto/README.md section 11): an application body at county 330106.
body_code=12330106MB0000001D
q="$licctl -n $data/330106/node.pub -k $data/centre.key --endpoint tcp://127.0.0.1:${qport[330106]}"
holder4=$(holders 330106 4 | tail -1)      # the holder of license 20260000004
scope="--holder $holder4 --holder-type 001 --staff S007 --case XH-2026-0042 --purpose 开办企业核验"
say "application body $body_code (Xihu service centre) registered at county 330106: type ${dept_type[330106]}, matter 330106-000-XK-0001, personal clearance"
"$licctl" keygen --code "$body_code" --name "西湖区政务服务中心" --out "$data/centre.key" >/dev/null
"$licctl" -d "$data/330106" appbody add --code "$body_code" --name "西湖区政务服务中心" \
    --key-file "$data/centre.key.pub" --types "${dept_type[330106]}" --matters 330106-000-XK-0001 --clearance personal
say "the body queries license $id for its matter (legal_representative is personal: shown to this clearance)"
$q query get "$id" $scope --matter 330106-000-XK-0001 | python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["licenses"][0]; print("audit record", r["audit_seq"], "|", l["license_id"], l["effective_status_name"], "| items:", json.dumps(l["license"]["items"], ensure_ascii=False), "| masked:", l["masked"])'
say "a query for a matter outside its scope is refused (and recorded)"
if $q query get "$id" $scope --matter 330106-000-XK-9999; then echo "NOT refused"; fail=1; fi
say "an archived copy, verified offline against the province's key (through the chain of node records)"
$q copy "$id" $scope --matter 330106-000-XK-0001 --expires 30 --out "$data/license.copy"
"$licctl" verify "$data/license.copy" --trust "$data/330000/node.pub" || fail=1
printf '\x01' | dd of="$data/license.copy" bs=1 seek=200 conv=notrunc 2>/dev/null
say "the same copy with one byte changed"
if "$licctl" verify "$data/license.copy" --trust "$data/330000/node.pub"; then echo "NOT refused"; fail=1; fi
say "who looked at holder $holder4's licenses, and why (audit log of county 330106)"
"$licctl" -d "$data/330106" audit --holder "$holder4" | python3 -c 'import json,sys
for i in json.load(sys.stdin)["items"]:
    print(i["seq"], i["at"], i["body"], i["staff"], i["kind"], i["matter"], i["case"], i["purpose"], i["result"], i.get("reason", ""))'

[ "$fail" -eq 0 ] && say "demo done: the province holds every county's licenses, digests equal" || { say "demo FAILED"; exit 1; }
