# The README recipe "Verifying a receipt", verbatim (sh, tr, sed, base64, openssl).
# $1 is the receipt (.jws); receipt-keys.pem is /.well-known/receipt-keys.pem, saved beside it.
set -e
unb64url() { s=$(printf '%s' "$1" | tr '_-' '/+'); case $(( ${#s} % 4 )) in 2) s="$s==";; 3) s="$s=";; esac; printf '%s' "$s" | base64 -d; }
R=$(tr -d '\r\n' < "$1")
H=${R%%.*}; P=${R#*.}; P=${P%%.*}; S=${R##*.}
KID=$(unb64url "$H" | sed -n 's/.*"kid":"\([A-Za-z0-9_-]*\)".*/\1/p')
sed -n "/^# kid $KID\$/,/-----END PUBLIC KEY-----/p" receipt-keys.pem > key.pem
printf '%s.%s' "$H" "$P" > signing-input
unb64url "$S" > sig.bin
openssl dgst -sha256 -verify key.pem -signature sig.bin signing-input
unb64url "$P"; echo
