#!/usr/bin/env bash
# Re-capture the sample responses in samples/ and sample-auth-with-order.json
# from the server started by `up` (real Medusa 1.20.11). Each file is the raw
# response body, byte for byte; see samples/README.md for the requests.
#
#   eval "$(tests/targets/medusa-v1/up)" && tests/targets/medusa-v1/capture-samples.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
URL="${MEDUSA_URL:-http://127.0.0.1:9000}"
OUT="$HERE/samples"
mkdir -p "$OUT"
JAR="$(mktemp)"
trap 'rm -f "$JAR"' EXIT

STAMP="$(date -u +%Y%m%d%H%M%S)"
EMAIL="sample.$STAMP@example.com"
PASSWORD="sample-password-1"
UNKNOWN="nobody.$STAMP@example.com"

# save FILE EXPECTED_STATUS curl-args... : body -> samples/FILE, checks the status.
save() {
  local file="$1" want="$2" got
  shift 2
  got="$(curl -sS -o "$OUT/$file" -w '%{http_code}' "$@")"
  if [ "$got" != "$want" ]; then
    echo "capture-samples: $file: expected $want, got $got: $(cat "$OUT/$file")" >&2
    exit 1
  fi
  echo "capture-samples: $file ($got)" >&2
}
J=(-H 'content-type: application/json')

save register-200.json 200 "${J[@]}" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"first_name\":\"Sam\",\"last_name\":\"Ple\"}" \
  "$URL/store/customers"
save register-duplicate-422.json 422 "${J[@]}" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$URL/store/customers"
save register-missing-password-400.json 400 "${J[@]}" \
  -d "{\"email\":\"other.$STAMP@example.com\"}" "$URL/store/customers"

save login-200.json 200 -c "$JAR" "${J[@]}" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$URL/store/auth"
save login-validation-400.json 400 "${J[@]}" -d '{}' "$URL/store/auth"
save login-missing-password-400.json 400 "${J[@]}" -d "{\"email\":\"$EMAIL\"}" "$URL/store/auth"
save login-wrong-password-401.txt 401 "${J[@]}" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"wrong\"}" "$URL/store/auth"

save get-session-200.json 200 -b "$JAR" "$URL/store/auth"
save get-session-401.txt 401 "$URL/store/auth"

save token-200.json 200 "${J[@]}" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$URL/store/auth/token"

save exists-true-200.json 200 "$URL/store/auth/$EMAIL"
save exists-false-200.json 200 "$URL/store/auth/$UNKNOWN"

save logout-200.txt 200 -b "$JAR" -X DELETE "$URL/store/auth"

# A customer with one real order (checkout), seen through GET /store/auth.
"$HERE/order-flow.sh" "$EMAIL" "$PASSWORD" >/dev/null
curl -sS -c "$JAR" -o /dev/null "${J[@]}" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$URL/store/auth"
got="$(curl -sS -b "$JAR" -o "$HERE/sample-auth-with-order.json" -w '%{http_code}' "$URL/store/auth")"
[ "$got" = 200 ] || { echo "capture-samples: GET /store/auth after order: $got" >&2; exit 1; }
echo "capture-samples: sample-auth-with-order.json ($got)" >&2
