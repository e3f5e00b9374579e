#!/bin/sh
# The auditor's recipe (docs/audit.md): checks an `assay audit export` directory with sh, sha256sum
# and openssl only -- no other program. Usage: sh recipe.sh EXPORT_DIR [CHECKPOINT_FILE...]
# Checks: (1) the hash chain of log.jsonl, line by line; (2) for every checkpoint (the export's and any
# you hold, e.g. the mailed ones) the RFC 6962 Merkle root of the first <size> entries; (3) each
# checkpoint's Ed25519 signature with audit-key.pem; (4) that the latest checkpoint covers every line.
# Prints OK and exits 0, or says what failed, exit 1.
# It writes two scratch files into EXPORT_DIR (.body and .sig).
set -eu
dir=$1
shift
fail() { printf 'FAILED: %s\n' "$1"; exit 1; }

# Hex digits as raw bytes, with shell arithmetic and one printf (no xxd).
hexbin() {
  h=$1 fmt=''
  while [ -n "$h" ]; do
    rest=${h#??}
    b=${h%"$rest"}
    h=$rest
    d=$((0x$b))
    fmt="$fmt\\$((d / 64))$((d / 8 % 8))$((d % 8))"
  done
  printf "$fmt"
}
sha() { set -- $(sha256sum); printf '%s' "$1"; }
# RFC 6962: leaf = SHA-256(0x00 || entry hash bytes), node = SHA-256(0x01 || left || right).
leaf() { { printf '\000'; hexbin "$1"; } | sha; }
node() { { printf '\001'; hexbin "$1"; hexbin "$2"; } | sha; }
# The root over leaf hashes given as arguments: pair up level by level, an odd last node moves up
# unchanged (the same tree as RFC 6962's split at the largest power of two).
root() {
  while [ $# -gt 1 ]; do
    next=''
    while [ $# -gt 1 ]; do
      next="$next $(node "$1" "$2")"
      shift 2
    done
    if [ $# -eq 1 ]; then next="$next $1"; shift; fi
    set -- $next
  done
  printf '%s' "$1"
}

# (1) The chain. Keys are sorted (RFC 8785), so "prev_hash" is followed by "seq" then "target".
prev=0000000000000000000000000000000000000000000000000000000000000000
n=0
leaves=''
while IFS= read -r line; do
  n=$((n + 1))
  case $line in
    *"\"prev_hash\":\"$prev\",\"seq\":$n,\"target\":"*) ;;
    *"\"seq\":$n,\"target\":"*) fail "line $n does not link to line $((n - 1)): an entry was edited, removed or moved" ;;
    *) fail "line $n is not entry $n: an entry is missing or entries were reordered" ;;
  esac
  prev=$(printf '%s\n%s' "$prev" "$line" | sha)
  leaves="$leaves $(leaf "$prev")"
done < "$dir/log.jsonl"
printf 'chain: %s entries, head %s\n' "$n" "$prev"

# (2) and (3), for every checkpoint.
B64=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
val() { p=${B64%%"$1"*}; printf '%s' "${#p}"; }
checked=0
for cp in "$dir"/checkpoints/*.txt "$@"; do
  [ -f "$cp" ] || continue
  { IFS= read -r origin; IFS= read -r size; IFS= read -r b64root; IFS= read -r blank; IFS= read -r sigline; } < "$cp" ||
    fail "$cp is not a checkpoint"
  [ -z "$blank" ] || fail "$cp is not a checkpoint"
  case $size in '' | *[!0-9]*) fail "$cp has no tree size" ;; esac
  [ "$size" -le "$n" ] || fail "$cp signs $size entries but log.jsonl has $n: the log was truncated"
  # The root of the first $size entries, in the checkpoint's base64.
  set -- $leaves
  first=''
  i=0
  while [ $i -lt "$size" ]; do first="$first $1"; shift; i=$((i + 1)); done
  mine=$(hexbin "$(root $first)" | openssl base64 -A)
  [ "$mine" = "$b64root" ] || fail "$cp: the Merkle root of the first $size entries is not the signed one (history differs)"
  # The signature: base64(4-byte key id || 64-byte Ed25519 signature). Eight base64 characters are six
  # bytes: the key id and the signature's first two bytes, which shell arithmetic takes out.
  sig=${sigline##* }
  head8=${sig%"${sig#????????}"}
  last3=${head8#?????}
  c5=$(val "${last3%??}")
  mid=${last3#?}
  c6=$(val "${mid%?}")
  c7=$(val "${last3#??}")
  b4=$(((c5 % 16) * 16 + c6 / 4))
  b5=$(((c6 % 4) * 64 + c7))
  {
    printf "\\$((b4 / 64))$((b4 / 8 % 8))$((b4 % 8))\\$((b5 / 64))$((b5 / 8 % 8))$((b5 % 8))"
    printf '%s' "${sig#????????}" | openssl base64 -d -A
  } > "$dir/.sig"
  printf '%s\n%s\n%s\n' "$origin" "$size" "$b64root" > "$dir/.body"
  openssl pkeyutl -verify -pubin -inkey "$dir/audit-key.pem" -rawin -in "$dir/.body" -sigfile "$dir/.sig" > /dev/null 2>&1 ||
    fail "$cp: the signature does not verify with audit-key.pem (forged checkpoint)"
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || fail "no checkpoint to check"
# (4) The export's latest checkpoint covers every line: a line after it would be signed by nothing (anyone
# can extend a hash chain), and the export signs one at its head before writing the log.
{ IFS= read -r origin; IFS= read -r latest; } < "$dir/checkpoint.txt" || fail "the export has no checkpoint.txt"
[ "$latest" = "$n" ] ||
  fail "checkpoint.txt signs $latest entries but log.jsonl has $n: lines $((latest + 1)) to $n are covered by no checkpoint"
printf 'OK: %s entries, %s checkpoint(s) verified\n' "$n" "$checked"
