# Tenant keys (value keys and <tenant>_records keys): create (createTenantKey), read (latest version),
# rotate, raise min_decryption_version (retire versions after a complete rewrap).
path "transit/keys/secrets-tenant-*" {
  capabilities = ["create", "read", "update"]
}
path "transit/keys/secrets-tenant-*/rotate" {
  capabilities = ["update"]
}
path "transit/keys/secrets-tenant-*/config" {
  capabilities = ["update"]
}
# Values: seal, open and rewrap. No "create": a missing key must be an error, not an upsert.
path "transit/encrypt/secrets-tenant-*" {
  capabilities = ["update"]
}
path "transit/decrypt/secrets-tenant-*" {
  capabilities = ["update"]
}
path "transit/rewrap/secrets-tenant-*" {
  capabilities = ["update"]
}
# Record authentication: the HMAC that derives each tenant's record key, once per tenant and process.
path "transit/hmac/secrets-tenant-*" {
  capabilities = ["update"]
}
# Token upkeep (also in Vault's default policy); revoke-self retires a replaced AppRole token.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
