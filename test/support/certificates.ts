/**
 * Throwaway certificates for TLS tests, made with the openssl command: two
 * self-signed CAs, a server certificate for 127.0.0.1/localhost and a client
 * certificate from `ca`, and a rogue client certificate from `other-ca`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type CertificateFile =
  | "ca.crt"
  | "other-ca.crt"
  | "server.crt"
  | "server.key"
  | "client.crt"
  | "client.key"
  | "rogue-client.crt"
  | "rogue-client.key";

export interface TestCertificates {
  /** Absolute path of each file. */
  path(file: CertificateFile): string;
  /** Contents of each file. */
  pem(file: CertificateFile): Buffer;
}

export function makeTestCertificates(dir: string): TestCertificates {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const ca of ["ca", "other-ca"])
    openssl("req", "-x509", ...key, "-days", "1", "-subj", `/CN=${ca}`, "-keyout", `${ca}.key`, "-out", `${ca}.crt`);
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  const leaves: [name: string, ca: string, ext: string][] = [
    ["server", "ca", "server.ext"],
    ["client", "ca", "client.ext"],
    ["rogue-client", "other-ca", "client.ext"],
  ];
  for (const [name, ca, ext] of leaves) {
    openssl("req", ...key, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      ext,
      "-out",
      `${name}.crt`,
    );
  }
  return { path: (file) => join(dir, file), pem: (file) => readFileSync(join(dir, file)) };
}
