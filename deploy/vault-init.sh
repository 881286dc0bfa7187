#!/bin/sh
# Prepares Vault for the secrets service, idempotently (it runs at every
# `docker compose up`): initializes Vault on its first start (one unseal key,
# kept with the root token on the vault-keys volume: a demo shortcut), unseals
# it, then enables the transit engine, writes the least-privilege policy
# (deploy/vault-policy.hcl, generated from the code), and an AppRole whose role
# id and a fresh secret id land in /approle.
set -eu
export VAULT_ADDR=http://vault:8200
state() {
  code=0
  vault status >/dev/null 2>&1 || code=$?
  echo "$code"
}
until [ "$(state)" -ne 1 ]; do sleep 1; done

if vault status -format=json | grep -q '"initialized": false'; then
  vault operator init -key-shares=1 -key-threshold=1 > /tmp/init.txt
  sed -n 's/^Unseal Key 1: //p' /tmp/init.txt > /vault-keys/unseal-key
  sed -n 's/^Initial Root Token: //p' /tmp/init.txt > /vault-keys/root-token
  rm -f /tmp/init.txt
  chmod 0400 /vault-keys/unseal-key /vault-keys/root-token
  echo "vault initialized"
fi
[ "$(state)" -eq 0 ] || vault operator unseal "$(cat /vault-keys/unseal-key)" >/dev/null
VAULT_TOKEN=$(cat /vault-keys/root-token)
export VAULT_TOKEN

vault secrets enable transit 2>/dev/null || echo "transit engine already enabled"
vault policy write secrets-service /deploy/vault-policy.hcl
vault auth enable approle 2>/dev/null || echo "approle auth already enabled"
vault write auth/approle/role/secrets-service token_policies=secrets-service token_ttl=1h token_max_ttl=24h
vault read -field=role_id auth/approle/role/secrets-service/role-id > /approle/role-id
vault write -f -field=secret_id auth/approle/role/secrets-service/secret-id > /approle/secret-id
# The service runs as another user in its own container; this volume is shared with it only.
chmod 0444 /approle/role-id /approle/secret-id
echo "vault ready for the secrets service"
