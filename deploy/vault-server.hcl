# Vault for docker compose: file storage on the vault-data volume, so keys,
# policy and AppRole survive `docker compose down` and `restart vault`.
# Plain HTTP on the compose network only; production Vault serves TLS.
storage "file" {
  path = "/vault/file"
}
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}
api_addr      = "http://vault:8200"
disable_mlock = true
ui            = false
