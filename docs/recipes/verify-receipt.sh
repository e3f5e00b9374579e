#!/bin/sh
# Verifies an Assay receipt with openssl, base64 and sh alone (README "Verifying a receipt").
# Usage: sh verify-receipt.sh receipt.jws key.pem
#   key.pem: the receipt key named by the receipt, from BASE_URL/.well-known/receipt-keys/<kid>.pem
#   (or all of them: BASE_URL/.well-known/receipt-keys.pem; the kid is printed below).
set -eu
b64url_decode() {
  s=$(printf '%s' "$1" | tr '_-' '/+')
  case $((${#s} % 4)) in 2) s="$s==" ;; 3) s="$s=" ;; esac
  printf '%s' "$s" | base64 -d
}
jws=$(tr -d ' \n\r\t' < "$1")
header=${jws%%.*}
rest=${jws#*.}
payload=${rest%%.*}
signature=${jws##*.}
echo "header:  $(b64url_decode "$header")"
echo "payload: $(b64url_decode "$payload")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s.%s' "$header" "$payload" > "$tmp/signed"
b64url_decode "$signature" > "$tmp/sig"
# RS256 is RSASSA-PKCS1-v1_5 with SHA-256 over "header.payload" exactly as sent.
openssl dgst -sha256 -verify "$2" -signature "$tmp/sig" "$tmp/signed"
