/**
 * What a transport-free service needs of a call: who makes it, and the note
 * its audit record is written from (filled in as the call goes, so a failed
 * call is recorded with what it was about).
 */
export interface ServiceCall {
  tenantId: string;
  /** The caller's API token id: the writer of what the call writes. */
  tokenId: string;
  audit: { resources: string[]; version?: number; consumerId?: string };
}
