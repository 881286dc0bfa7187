/** A TOKEN secret's record for tests of what holds records (caches): `sec_<nameKey>`, its name upper-cased. */
import type { SecretRecord } from "../../services/ports/secret-store.js";

export function secretRecord(tenantId: string, nameKey: string, version: number): SecretRecord {
  const time = new Date(0);
  return {
    tenantId,
    id: `sec_${nameKey}`,
    name: nameKey.toUpperCase(),
    nameKey,
    displayName: "",
    description: "",
    labels: {},
    type: "TOKEN",
    state: "ACTIVE",
    version,
    revision: version,
    createTime: time,
    updateTime: time,
    usageCount: 0,
  };
}
