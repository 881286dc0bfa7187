/** The reference to a secret in each syntax the sidecar accepts, for copying into configs. */
import { formatReference } from "../../kernel/reference-format.js";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";

export interface ReferenceForms {
  label: string;
  forms: string[];
}

export function referenceForms(name: string, type: SecretType): ReferenceForms[] {
  const paths: [string, string[]][] =
    type === SecretType.USERNAME_PASSWORD
      ? [
          ["Whole value", []],
          ["Username", ["username"]],
          ["Password", ["password"]],
        ]
      : [["Value", []]];
  return paths.map(([label, path]) => {
    const canonical = formatReference({ name, path, filters: [] });
    const inner = canonical.slice(2, -1); // secret.NAME.path
    const mustache = `secrets.${inner.slice("secret.".length)}`;
    return { label, forms: [canonical, `\${${inner}}`, `{{ ${mustache} }}`, `{{{ ${mustache} }}}`] };
  });
}
