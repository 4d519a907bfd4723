#!/usr/bin/env bash
# Place one real order for a registered store customer, through the normal
# store checkout, on the server started by `up`. See ORDER_FLOW.md.
#
#   tests/targets/medusa-v1/order-flow.sh CUSTOMER_EMAIL CUSTOMER_PASSWORD
#
# Admin fixtures (region "Conform US", product "conform-tee", shipping option
# "Conform Standard") are created on first use and reused afterwards.
# stdout: `order_id=... cart_id=... customer_id=... region_id=... variant_id=...`
# Progress and errors go to stderr. Needs curl and node.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 CUSTOMER_EMAIL CUSTOMER_PASSWORD" >&2; exit 2; }
CUSTOMER_EMAIL="$1"
CUSTOMER_PASSWORD="$2"
URL="${MEDUSA_URL:-http://127.0.0.1:9000}"
ADMIN_EMAIL="${MEDUSA_ADMIN_EMAIL:-admin@medusa-test.local}"
ADMIN_PASSWORD="${MEDUSA_ADMIN_PASSWORD:-supersecret-admin}"

log() { printf '[order-flow] %s\n' "$*" >&2; }

# json EXPR: evaluate a JS expression over the JSON on stdin, bound to `o`.
json() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const o = JSON.parse(s);
      const v = eval(process.argv[1]);
      process.stdout.write(v === undefined || v === null ? "" : String(v));
    });' "$1"
}

# req METHOD PATH AUTH_HEADER [JSON_BODY] -> body on stdout; dies on status >= 400.
req() {
  local method="$1" path="$2" auth="$3" body="${4:-}" out status
  local args=(-sS -X "$method" -H "$auth" -w '\n%{http_code}')
  [ -n "$body" ] && args+=(-H 'content-type: application/json' --data-binary "$body")
  out="$(curl "${args[@]}" "$URL$path")"
  status="${out##*$'\n'}"
  out="${out%$'\n'*}"
  if [ "$status" -ge 400 ]; then
    printf '[order-flow] %s %s -> %s\n%s\n' "$method" "$path" "$status" "$out" >&2
    exit 1
  fi
  printf '%s' "$out"
}

# ----------------------------------------------------------- admin fixtures
ADMIN_TOKEN="$(req POST /admin/auth/token "x-none: 1" \
  "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | json 'o.access_token')"
ADM="authorization: Bearer $ADMIN_TOKEN"

REGION_ID="$(req GET '/admin/regions?limit=200' "$ADM" |
  json 'o.regions.find((r) => r.countries.some((c) => c.iso_2 === "us"))?.id')"
if [ -z "$REGION_ID" ]; then
  log "creating region Conform US (usd, us, manual payment + fulfillment)"
  REGION_ID="$(req POST /admin/regions "$ADM" \
    '{"name":"Conform US","currency_code":"usd","tax_rate":0,"payment_providers":["manual"],"fulfillment_providers":["manual"],"countries":["us"]}' |
    json 'o.region.id')"
fi

VARIANT_ID="$(req GET '/admin/products?handle=conform-tee' "$ADM" |
  json 'o.products[0]?.variants[0]?.id')"
if [ -z "$VARIANT_ID" ]; then
  log "creating published product conform-tee (1 variant, 10.00 usd)"
  VARIANT_ID="$(req POST /admin/products "$ADM" \
    '{"title":"Conform Tee","handle":"conform-tee","status":"published","options":[{"title":"Size"}],"variants":[{"title":"M","inventory_quantity":100,"manage_inventory":false,"prices":[{"currency_code":"usd","amount":1000}],"options":[{"value":"M"}]}]}' |
    json 'o.product.variants[0].id')"
fi

SO_ID="$(req GET "/admin/shipping-options?region_id=$REGION_ID" "$ADM" |
  json 'o.shipping_options.find((s) => s.provider_id === "manual" && !s.is_return)?.id')"
if [ -z "$SO_ID" ]; then
  log "creating shipping option Conform Standard (manual, flat 5.00)"
  SO_ID="$(req POST /admin/shipping-options "$ADM" \
    "{\"name\":\"Conform Standard\",\"region_id\":\"$REGION_ID\",\"provider_id\":\"manual\",\"data\":{\"id\":\"manual-fulfillment\"},\"price_type\":\"flat_rate\",\"amount\":500}" |
    json 'o.shipping_option.id')"
fi

# ------------------------------------------------------------ store checkout
CUS_TOKEN="$(req POST /store/auth/token "x-none: 1" \
  "{\"email\":\"$CUSTOMER_EMAIL\",\"password\":\"$CUSTOMER_PASSWORD\"}" | json 'o.access_token')"
CUS="authorization: Bearer $CUS_TOKEN"

CART_ID="$(req POST /store/carts "$CUS" "{\"region_id\":\"$REGION_ID\"}" | json 'o.cart.id')"
req POST "/store/carts/$CART_ID/line-items" "$CUS" "{\"variant_id\":\"$VARIANT_ID\",\"quantity\":1}" >/dev/null
req POST "/store/carts/$CART_ID" "$CUS" \
  "{\"email\":\"$CUSTOMER_EMAIL\",\"shipping_address\":{\"first_name\":\"Conform\",\"last_name\":\"Buyer\",\"address_1\":\"1 Main St\",\"city\":\"Springfield\",\"country_code\":\"us\",\"postal_code\":\"12345\"}}" >/dev/null
OPTION_ID="$(req GET "/store/shipping-options/$CART_ID" "$CUS" | json 'o.shipping_options[0].id')"
req POST "/store/carts/$CART_ID/shipping-methods" "$CUS" "{\"option_id\":\"$OPTION_ID\"}" >/dev/null
req POST "/store/carts/$CART_ID/payment-sessions" "$CUS" >/dev/null
DONE="$(req POST "/store/carts/$CART_ID/complete" "$CUS")"
[ "$(printf '%s' "$DONE" | json 'o.type')" = order ] || { log "complete did not give an order: $DONE"; exit 1; }
ORDER_ID="$(printf '%s' "$DONE" | json 'o.data.id')"
CUSTOMER_ID="$(printf '%s' "$DONE" | json 'o.data.customer_id')"
log "placed $ORDER_ID for $CUSTOMER_EMAIL"
printf 'order_id=%s cart_id=%s customer_id=%s region_id=%s variant_id=%s\n' \
  "$ORDER_ID" "$CART_ID" "$CUSTOMER_ID" "$REGION_ID" "$VARIANT_ID"
