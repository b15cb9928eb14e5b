import { ConflictError, NotFoundError } from "../domain/errors.js";
import { messageIdFor } from "../domain/message-id.js";
import { forEachLimit } from "../platform/concurrency.js";
import type { SendJob } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import type { AppRecord } from "../store/apps.js";
import { getCampaign } from "../store/campaigns.js";
import { getConnector } from "../store/connectors.js";
import { recordInstanceSend } from "../store/instances.js";
import { claimMessage } from "../store/messages.js";
import { noteAppData } from "./configuration.js";
import { SEND_CHUNK } from "./sending.js";

/**
 * The sends route's use case: claims each (instance, user) once — across calls too — and queues the
 * new ones for the send worker in chunks. A user claimed earlier but still waiting in the queue is
 * queued again (its first enqueue may have failed); the worker sends each user at most once anyway.
 */

const PARALLEL_CLAIMS = 32;

export interface SendsRequest {
  message: string;
  recipients: SendJob["recipients"];
}

/**
 * @throws NotFoundError for an unknown campaign or a campaign whose connector is gone
 * @throws DynamoDB or queue errors (the client retries; the claims make that safe)
 */
export async function acceptSends(
  app: AppRecord,
  campaignId: string,
  instanceId: string,
  request: SendsRequest,
  nowMs: number,
): Promise<{ instanceId: string; accepted: number; duplicates: number }> {
  const campaign = await getCampaign(app.appId, campaignId);
  if (!campaign) throw new NotFoundError(`Campaign ${campaignId} does not exist in this app`);
  if (campaign.archivedAt !== null) {
    throw new ConflictError(`Campaign ${campaignId} is archived: it sends no more`, [
      { field: "campaignId", problem: `was archived at ${campaign.archivedAt}` },
    ]);
  }
  const connector = await getConnector(app.appId, campaign.connectorId);
  if (!connector)
    throw new NotFoundError(`Connector ${campaign.connectorId} of this campaign does not exist`);

  const seen = new Set<string>();
  const unique = request.recipients.filter((r) => !seen.has(r.userId) && seen.add(r.userId));
  let duplicates = request.recipients.length - unique.length;
  let accepted = 0;
  const toQueue: SendJob["recipients"] = [];
  await noteAppData(app.appId, nowMs);
  await recordInstanceSend(app.appId, campaignId, instanceId, nowMs);
  await forEachLimit(unique, PARALLEL_CLAIMS, async (r) => {
    const claim = await claimMessage(
      {
        appId: app.appId,
        messageId: messageIdFor(app.appId, campaignId, instanceId, r.userId),
        campaignId,
        instanceId,
        userId: r.userId,
        connectorId: connector.connectorId,
        provider: connector.provider,
        tracked: connector.deliveryTracking,
        windowHours: campaign.conversionWindowHours,
        tz: app.timezone,
      },
      nowMs,
    );
    if (claim.created) accepted++;
    else duplicates++;
    if (claim.created || claim.existing.status === "QUEUED") toQueue.push(r);
  });

  const jobs: string[] = [];
  for (let i = 0; i < toQueue.length; i += SEND_CHUNK) {
    const job: SendJob = {
      appId: app.appId,
      campaignId,
      instanceId,
      message: request.message,
      recipients: toQueue.slice(i, i + SEND_CHUNK),
    };
    jobs.push(JSON.stringify(job));
  }
  if (jobs.length > 0) await queue().send("sends", jobs);
  return { instanceId, accepted, duplicates };
}
