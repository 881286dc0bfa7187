#!/bin/sh
# Configures a (dev-mode) Vault for the secrets service: the transit engine,
# the least-privilege policy (deploy/vault-policy.hcl, generated from the
# code), and an AppRole whose role id and secret id land in /approle.
set -eu
vault secrets enable transit 2>/dev/null || echo "transit engine already enabled"
vault policy write secrets-service /deploy/vault-policy.hcl
vault auth enable approle 2>/dev/null || echo "approle auth already enabled"
vault write auth/approle/role/secrets-service token_policies=secrets-service token_ttl=1h token_max_ttl=24h
vault read -field=role_id auth/approle/role/secrets-service/role-id > /approle/role-id
vault write -f -field=secret_id auth/approle/role/secrets-service/secret-id > /approle/secret-id
# The service runs as another user in its own container; this volume is shared with it only.
chmod 0444 /approle/role-id /approle/secret-id
echo "vault ready for the secrets service"
