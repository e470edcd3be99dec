#!/bin/sh
# Writes the secret files docker-compose.yml mounts (default ./secrets/, git-ignored).
# A file that exists is kept: re-running never replaces a key that already encrypts
# data or a password the database was created with.
set -eu
dir="${1:-secrets}"
mkdir -p "$dir"
chmod 700 "$dir" # other users on the host cannot read the secrets

random() { # url-safe random text from $1 bytes
    head -c "$1" /dev/urandom | base64 | tr -d '\n' | tr '+/' '-_'
}

write() {
    if [ -s "$dir/$1" ]; then
        echo "kept  $dir/$1"
    else
        printf '%s' "$2" >"$dir/$1"
        # Compose mounts secret files as they are: the containers' users (bip,
        # postgres) must be able to read them; the directory keeps others out.
        chmod 644 "$dir/$1"
        echo "wrote $dir/$1"
    fi
}

write db_password "$(random 33)"
write database_url "postgres://bip:$(cat "$dir/db_password")@db:5432/bip"
write django_secret_key "$(random 48)"
write cpr_keys "k1:$(random 32)" # a Fernet key: 32 bytes, url-safe base64 with padding
write cpr_hmac_key "$(random 48)"
write pseudonym_key "$(random 48)"
