#!/usr/bin/env bash
# Writes the sscard TEST PKI into emulator/profiles/test-pki/: a test SM2 root CA and, for each
# sample card that carries the 3rd-generation PKI application, a signature and an encryption key
# pair with certificates issued by that CA (X.509 v3, SM2 keys, SM2-with-SM3 signatures, user id
# 1234567812345678). scripts/profiles/pki-part.ts puts them on the card; `npm run profiles` after this.
#
# Reproducible: private keys are d = SM3("sscard test key/<card>/pki/<role>") (published test
# keys, like the symmetric test master keys), serials, subjects and validity dates are fixed, so
# every run gives the same keys and the same to-be-signed certificate bytes. Only the signature
# values differ between runs (SM2 signatures are randomized).
#
# Usage: scripts/make-test-pki.sh [--force] [OUT_DIR]     (needs OpenSSL 3.0+ with SM2)
set -euo pipefail

force=0
if [[ "${1:-}" == "--force" ]]; then force=1; shift; fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/emulator/profiles/test-pki}"
if [[ -e "$out/ca.crt" && $force -eq 0 ]]; then
  echo "$out already holds a test PKI; use --force to write it again" >&2
  exit 1
fi

DISTID="distid:1234567812345678"
SM2_CURVE_OID="1.2.156.10197.1.301"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Our own configuration only: the system openssl.cnf must not change subjects or extensions.
cat >"$work/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[ req_dn ]
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $ENV::PKI_WORK/index.txt
new_certs_dir = $ENV::PKI_WORK
serial = $ENV::PKI_WORK/serial
default_md = sm3
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
string_mask = utf8only
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
serialNumber = optional
[ ext_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ext_sign ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ext_enc ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment,dataEncipherment,keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
export OPENSSL_CONF="$work/openssl.cnf" PKI_WORK="$work"
touch "$work/index.txt"

# test_key <label> <file>: the SM2 key d = SM3("sscard test key/<label>") as PKCS#8 PEM, with a warning.
test_key() {
  local d
  d="$(printf 'sscard test key/%s' "$1" | openssl dgst -sm3 -r | cut -d' ' -f1)"
  cat >"$work/key.cnf" <<EOF
asn1=SEQUENCE:ec
[ec]
version=INTEGER:1
key=FORMAT:HEX,OCTETSTRING:$d
params=EXPLICIT:0,OID:$SM2_CURVE_OID
EOF
  openssl asn1parse -genconf "$work/key.cnf" -out "$work/key.der" -noout
  {
    echo "TEST KEY - sscard test PKI ($1). Published; never use it for anything real."
    openssl pkey -inform DER -in "$work/key.der"
  } >"$2"
}

# issue <csr-key> <subject> <serial hex> <start> <end> <extensions> <out.crt> [selfsign]
issue() {
  local key="$1" subject="$2" serial="$3" start="$4" end="$5" ext="$6" crt="$7" mode="${8:-}"
  openssl req -new -utf8 -key "$key" -sm3 -sigopt "$DISTID" -subj "$subject" -out "$work/req.csr"
  echo "$serial" >"$work/serial"
  local signer=(-cert "$out/ca.crt" -keyfile "$out/ca.key")
  if [[ "$mode" == selfsign ]]; then signer=(-selfsign -keyfile "$key"); fi
  openssl ca -batch -notext -utf8 "${signer[@]}" -in "$work/req.csr" -out "$crt" \
    -startdate "$start" -enddate "$end" -extensions "$ext" -sigopt "$DISTID" -vfyopt "$DISTID" 2>"$work/ca.log" ||
    { cat "$work/ca.log" >&2; exit 1; }
}

mkdir -p "$out"
test_key "test-ca/root" "$out/ca.key"
issue "$out/ca.key" "/C=CN/O=sscard test/CN=sscard Test SM2 Root CA (TEST ONLY)" 01 \
  20200101000000Z 20500101000000Z ext_ca "$out/ca.crt" selfsign

# card <profile> <name> <ssn> <issue yyyymmdd> <expiry yyyymmdd>: the card's two key pairs and certificates.
# Keep these in step with scripts/profiles/cards.ts (pki-part.ts checks the ssn and dates).
card() {
  local profile="$1" name="$2" ssn="$3" start="${4}000000Z" end="${5}000000Z"
  local dir="$out/$profile" base="/C=CN/O=sscard test/OU=Social Security Card (TEST)"
  mkdir -p "$dir"
  test_key "$profile/pki/sign" "$dir/sign.key"
  test_key "$profile/pki/enc" "$dir/enc.key"
  issue "$dir/sign.key" "$base/CN=$name/serialNumber=$ssn" 1001 "$start" "$end" ext_sign "$dir/sign.crt"
  issue "$dir/enc.key" "$base/CN=$name/serialNumber=$ssn" 1002 "$start" "$end" ext_enc "$dir/enc.crt"
  for crt in "$dir/sign.crt" "$dir/enc.crt"; do
    openssl verify -vfyopt "$DISTID" -CAfile "$out/ca.crt" "$crt" >/dev/null
  done
}

# Only the 3rd-generation (spec 3.00) sample card has the PKI application.
card default "张晓明" 330302199001011235 20221116 20321116

echo "wrote the test PKI to $out"
