import { messageIdFor } from "../domain/message-id.js";
import { SEND_CHUNK, type SendJob } from "../flows/sending.js";
import { NotFoundError } from "../http/errors.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { parseBody, parsePath } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { forEachLimit } from "../platform/concurrency.js";
import { queue } from "../queue/index.js";
import { instancePath } from "../schemas/path.js";
import { sendsInput } from "../schemas/sends.js";
import { getCampaign } from "../store/campaigns.js";
import { getConnector } from "../store/connectors.js";
import { claimMessage } from "../store/messages.js";

const PARALLEL_CLAIMS = 32;

/**
 * `POST …/instances/{instanceId}/sends`: claims each (instance, user) once — across calls too — and
 * queues the new ones for the send worker. A user claimed earlier but still waiting in the queue is
 * queued again (its first enqueue may have failed); the worker sends each user at most once anyway.
 */
export const handler = jsonHandler(async (event) => {
  const app = appOf(event);
  const { campaignId, instanceId } = parsePath(instancePath, event);
  const body = parseBody(sendsInput, event);
  const campaign = await getCampaign(app.appId, campaignId);
  if (!campaign) throw new NotFoundError(`Campaign ${campaignId} does not exist in this app`);
  const connector = await getConnector(app.appId, campaign.connectorId);
  if (!connector)
    throw new NotFoundError(`Connector ${campaign.connectorId} of this campaign does not exist`);

  const seen = new Set<string>();
  const unique = body.recipients.filter((r) => !seen.has(r.userId) && seen.add(r.userId));
  let duplicates = body.recipients.length - unique.length;
  let accepted = 0;
  const toQueue: SendJob["recipients"] = [];
  const now = nowMs();
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
      },
      now,
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
      message: body.message,
      recipients: toQueue.slice(i, i + SEND_CHUNK),
    };
    jobs.push(JSON.stringify(job));
  }
  if (jobs.length > 0) await queue().send("sends", jobs);
  return json(202, { instanceId, accepted, duplicates });
});
