import { sha256Base64Url } from "./digest.js";

/**
 * Our reference for one message: derived from (app, campaign, instance, user), so a replayed send
 * maps to the same message, and opaque (no user id or phone inside), so it can travel to providers.
 */
export function messageIdFor(appId: string, campaignId: string, instanceId: string, userId: string): string {
  return `m${sha256Base64Url(`${appId}\n${campaignId}\n${instanceId}\n${userId}`, 26)}`;
}

/** Provider ids can carry phone digits (Sinch correlates by batch and recipient): keys hold only a digest. */
export function providerRefDigest(providerMessageId: string): string {
  return sha256Base64Url(providerMessageId, 32);
}
