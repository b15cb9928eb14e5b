import { createHash } from "node:crypto";

/**
 * Our reference for one message: derived from (app, campaign, instance, user), so a replayed send
 * maps to the same message, and opaque (no user id or phone inside), so it can travel to providers.
 */
export function messageIdFor(appId: string, campaignId: string, instanceId: string, userId: string): string {
  const digest = createHash("sha256")
    .update(`${appId}\n${campaignId}\n${instanceId}\n${userId}`)
    .digest("base64url");
  return `m${digest.slice(0, 26)}`;
}

/** Provider ids can carry phone digits (Sinch correlates by batch and recipient): keys hold only a digest. */
export function providerRefDigest(providerMessageId: string): string {
  return createHash("sha256").update(providerMessageId).digest("base64url").slice(0, 32);
}
