/** Human descriptions of providers' codes, for failures whose receipt carries none. */

const GUPSHUP: Record<string, string> = {
  "000": "SUCCESS",
  "001": "ABSENT_SUBSCRIBER",
  "002": "CALL_BARRED",
  "003": "UNKNOWN_SUBSCRIBER",
  "004": "SERVICE_DOWN",
  "005": "SYSTEM_FAILURE",
  "006": "DND_FAIL",
  "007": "BLOCKED",
  "008": "DND_TIMEOUT",
  "009": "OUTSIDE_WORKING_HOURS",
  "00a": "OTHER",
  "00b": "BLOCKED_MASK",
  "00c": "SMSCTIMEDOUT",
  "011": "INBOXFULL",
  "012": "CONGESTION",
  "013": "NO_ACK_FROM_OPERATOR",
  "038": "MSG_DOES_NOT_MATCH_TEMPLATE",
};

const SINCH: Record<string, string> = {
  "402": "unroutable",
  "403": "internal error",
  "404": "temporary failure",
  "406": "internal expiry",
  "407": "cancelled",
  "408": "internal reject",
  "410": "unmatched default originator",
  "411": "parts limit exceeded",
  "412": "unprovisioned region",
  "413": "blocked",
};

const KALEYRA: Record<string, string> = {
  "ABSENT-SUB": "absent subscriber",
  "MOB-OFF": "handset switched off",
  "HANDSET-BUSY": "handset busy",
  MEMEXEC: "handset memory full",
  "HANDSET-ERR": "handset error",
  "INVALID-SUB": "invalid subscriber",
  BARRED: "number barred",
  "NET-ERR": "network error",
  "SERIES-BLK": "number series blocked",
  EXPIRED: "validity expired",
  FAILED: "failed",
  UNDELIV: "undeliverable",
  REJECTED: "rejected",
  DNDNUMB: "number on the do-not-disturb registry",
  "INV-NUMBER": "invalid number",
  "INVALID-NUM": "invalid number",
  "OPTOUT-REJ": "recipient opted out",
  "NOT-OPTIN": "recipient not opted in",
  BLACKLIST: "number blacklisted",
  SPAM: "rejected as spam",
  "NO-CREDITS": "no credits left",
  "SERVER-ERR": "provider server error",
  "SNDRID-NOT-ALLOTED": "sender id not allotted",
  "TEMPLATE-NOT-FOUND": "message does not match a registered template",
  "MAX-LENGTH": "message too long",
  "NO-DLR-OPTR": "operator sent no delivery report",
  "AWAITED-DLR": "awaiting delivery report",
  DELIVRD: "delivered",
};

const TABLES: Record<"gupshup" | "sinch" | "kaleyra", Record<string, string>> = {
  gupshup: GUPSHUP,
  sinch: SINCH,
  kaleyra: KALEYRA,
};

/**
 * The known description of `code` for `provider`, or null. Codes are looked up exactly as the
 * provider's `normalizeCode` spells them (Gupshup `"00a"`, Kaleyra `"DNDNUMB"`, Sinch `"402"`): the
 * parsers and send paths normalise before they ask; `describeCode` in index.ts normalises any spelling.
 * Sources: PROVIDERS.md (Gupshup errCodes, Sinch 402–413, Kaleyra statuses).
 */
export function describeCode(provider: "gupshup" | "sinch" | "kaleyra", code: string | null): string | null {
  if (code === null) return null;
  const table = TABLES[provider];
  return Object.hasOwn(table, code) ? (table[code] ?? null) : null;
}
