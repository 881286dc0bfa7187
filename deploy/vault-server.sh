#!/bin/sh
# Runs Vault with file storage and, once vault-init has initialized it, unseals
# it at every start with the key vault-init kept on the vault-keys volume, so
# `docker compose restart vault` needs no hand. A demo shortcut: in
# production the unseal keys stay with people or an auto-unseal KMS.
set -eu
vault server -config=/deploy/vault-server.hcl &
server=$!
trap 'kill -TERM "$server"' TERM INT
export VAULT_ADDR=http://127.0.0.1:8200
if [ -s /vault-keys/unseal-key ]; then
  # vault status: 0 unsealed, 2 sealed, 1 not answering yet.
  status=1
  until [ "$status" -ne 1 ]; do
    sleep 1
    status=0
    vault status >/dev/null 2>&1 || status=$?
  done
  [ "$status" -eq 0 ] || vault operator unseal "$(cat /vault-keys/unseal-key)" >/dev/null
  echo "vault unsealed"
fi
wait "$server"
