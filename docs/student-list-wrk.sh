#!/usr/bin/env bash
# Load test of the student list with wrk, against a running `sms serve`:
#
#   go build -o /tmp/sms ./cmd/sms
#   docs/student-list-wrk.sh /tmp/sms /tmp/bench-2000 2000
#
# The first run makes DATA: a school "bench" with N students (four forms, classes of 40,
# imported from a CSV like a school's first import). Every run serves DATA on PORT
# (default 18080), signs in for a bearer token and runs `wrk -t2 -c32 -d10s` on the
# first page of the list and on a two-word search.
set -euo pipefail
SMS=$1 DATA=$2 N=${3:-2000} PORT=${PORT:-18080}
URL=http://127.0.0.1:$PORT HOST='Host: bench.localhost'

serve() {
  "$SMS" serve --data "$DATA" --addr 127.0.0.1:$PORT --log-level error >/dev/null 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -sf $URL/healthz >/dev/null && break; sleep 0.2; done
  token=$(curl -sf -H "$HOST" -d '{"email":"admin@bench.test","password":"bench-password-1","name":"wrk"}' \
    $URL/api/auth/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
}
stop() { kill $pid; wait $pid 2>/dev/null || true; trap - EXIT; }
api() { curl -sf -H "$HOST" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2" $URL$1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

if [ ! -d "$DATA" ]; then
  "$SMS" tenant create --schema bench --name Bench --data "$DATA" >/dev/null
  echo bench-password-1 | "$SMS" user create --schema bench --email admin@bench.test --role admin --password-stdin --data "$DATA" >/dev/null
  serve
  session=$(api /api/core/sessions/ '{"name":"2026","start_date":"2026-01-05","end_date":"2026-12-04","is_current":true}')
  per=$(( (N + 159) / 160 ))
  for level in 1 2 3 4; do
    form=$(api /api/core/forms/ "{\"name\":\"Form $level\",\"level\":$level}")
    for i in $(seq $per); do api /api/core/classes/ "{\"form\":$form,\"session\":$session,\"name\":\"Form $level-$i\"}" >/dev/null; done
  done
  stop
  python3 - "$N" "$per" >"$DATA/students.csv" <<'PY'
import sys
n, per = int(sys.argv[1]), int(sys.argv[2])
first = ["Ann", "Achieng", "Wanjiku", "Amina", "Faith", "Mercy", "Grace", "Njeri", "Zawadi", "Aisha", "Otieno",
         "Kamau", "Brian", "Kevin", "Juma", "Baraka", "Mwangi", "Omondi", "Hassan", "Daniel", "Joy", "Imani"]
last = ["Odhiambo", "Kariuki", "Mohamed", "Wambua", "Njoroge", "Cheruiyot", "Onyango", "Mutiso", "Achola", "Kimani",
        "Barasa", "Ndungu", "Owino", "Koech", "Wafula", "Macharia", "Abdi", "Okoth", "Nyaga", "Rotich", "Mbugua",
        "Kilonzo", "Auma", "Langat", "Wanjala", "Wanjohi"]
classes = [f"Form {l}-{i + 1}" for l in range(1, 5) for i in range(per)]
print("admission_no,first_name,last_name,gender,date_of_birth,class")
for i in range(n):
    print(f"ADM/{i + 1:05d},{first[i % len(first)]},{last[(i // len(first) + i) % len(last)]},F,"
          f"{2008 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d},{classes[i % len(classes)]}")
PY
  "$SMS" import students --schema bench "$DATA/students.csv" --data "$DATA"
fi

serve
for path in "/api/core/students/" "/api/core/students/?search=ann+wanj"; do
  echo "== GET $path"
  wrk -t2 -c32 -d10s --latency -H "$HOST" -H "Authorization: Bearer $token" "$URL$path" |
    grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors'
done
stop
