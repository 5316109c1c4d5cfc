#!/bin/sh
# Regenerates the test certificates with the openssl command line tool: a
# request per certificate, self-signed with `openssl x509 -req`. Keys are
# thrown away and dates are the time of the run, so fingerprints, keys and
# dates change on every run; the fields the tests check do not.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl genrsa -out "$tmp/rsa.key" 1024 2>/dev/null
openssl ecparam -name secp384r1 -genkey -out "$tmp/p384.key"
openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.key"
printf '[req]\ndistinguished_name=dn\nstring_mask=default\n[dn]\n[dir]\nCN=dir name\n' > "$tmp/req.cnf"
cert() { # file key serial subject [extra req arguments]
    out=$1 key=$2 serial=$3 subj=$4
    shift 4
    openssl req -new -config "$tmp/req.cnf" -key "$tmp/$key" -subj "$subj" -utf8 \
        -out "$tmp/req.pem" "$@"
    openssl x509 -req -in "$tmp/req.pem" -key "$tmp/$key" -set_serial "$serial" -days 3650 \
        -copy_extensions copyall -outform DER -out "$out" 2>/dev/null
}
cert rsa-specials.der rsa.key 0xB7C5 '/C=US/O=Acme, Inc./OU=#1 "R\+D"/CN= lead;<x> \\ trail ' \
    -addext 'basicConstraints=critical,CA:TRUE,pathlen:2'
cert rsa-multivalued.der rsa.key -1234567 '/DC=example/DC=com/CN=Jo Doe+UID=jdoe+emailAddress=jo@example.com' \
    -multivalue-rdn -addext 'basicConstraints=CA:FALSE'
cert rsa-latin1-bmp.der rsa.key 0 '/O=Müller Straße/CN=漢字 Ωmega'
cert p384-san.der p384.key 0x0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425 '/CN=ec.example' \
    -addext 'subjectAltName=DNS:ec.example,DNS:*.ec.example,IP:192.0.2.7,IP:2001:db8::7,email:admin@ec.example,URI:https://ec.example/,RID:1.2.3.4,dirName:dir'
cert ed25519.der ed25519.key 7 '/CN=ed.example'
