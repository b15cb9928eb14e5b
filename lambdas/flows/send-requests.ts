import type { Campaign } from "../domain/campaign.js";
import { hasExperiment, sameVariants } from "../domain/campaign.js";
import { ConflictError, NotFoundError } from "../domain/errors.js";
import {
  assignArm,
  DEFAULT_VARIANT_ID,
  newExperimentSalt,
  PLAIN_MESSAGE_VARIANTS,
  type VariantWeight,
} from "../domain/experiment.js";
import { messageIdFor } from "../domain/message-id.js";
import type { MessageRecord } from "../domain/message-state.js";
import { forEachLimit } from "../platform/concurrency.js";
import type { SendJob } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import type { AppRecord } from "../store/apps.js";
import { fixExperiment, getCampaign } from "../store/campaigns.js";
import { getConnector } from "../store/connectors.js";
import { recordInstanceSend } from "../store/instances.js";
import { claimMessage } from "../store/messages.js";
import { openWindows } from "./attribution.js";
import { noteAppData } from "./configuration.js";
import { SEND_CHUNK } from "./sending.js";

/**
 * The sends route's use case: claims each (instance, user) once — across calls too — and queues the
 * new ones for the send worker in chunks. A user claimed earlier but still waiting in the queue is
 * queued again (its first enqueue may have failed); the worker sends each user at most once anyway.
 *
 * Experiments (SPEC §2, issue 17): the campaign's first send request fixes its variants; each user's
 * arm is `assignArm` of (campaign, user), the same in every instance and on every retry. A control-group
 * user is claimed CONTROL — never queued, never sent — and their conversion window opens at once, at
 * the send request's time.
 */

const PARALLEL_CLAIMS = 32;
const MAX_ATTEMPTS = 5;

export interface SendsRequest {
  /** A plain send's text; or `variants`. */
  message?: string | undefined;
  variants?: Array<{ variantId: string; message: string; weight: number }> | undefined;
  recipients: SendJob["recipients"];
}

/** Where one user goes: claimed QUEUED with a variant (or none), or held back. */
type Placement = { status: "QUEUED" | "CONTROL"; variantId: string | null };

/**
 * The campaign with its experiment fixed by this (or an earlier) first send request, and a function
 * placing each user.
 * @throws ConflictError when the request's variants are not the ones the campaign's first send fixed
 */
async function experimentOf(
  appId: string,
  campaign: Campaign,
  requested: readonly VariantWeight[],
): Promise<(userId: string) => Placement> {
  let c: Campaign | undefined = campaign;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && c; attempt++) {
    const fixed =
      c.variants !== null && c.experimentSalt !== ""
        ? { variants: c.variants, experimentSalt: c.experimentSalt }
        : await fixExperiment(appId, c.campaignId, {
            variants: requested,
            salt: c.experimentSalt || newExperimentSalt(),
            controlGroupPercent: c.controlGroupPercent,
          });
    if (fixed === null) {
      c = await getCampaign(appId, c.campaignId); // its control-group share changed meanwhile
      continue;
    }
    if (!sameVariants(fixed.variants, requested)) {
      const shown = (vs: readonly VariantWeight[]): string =>
        vs.map((v) => `${v.variantId} ${v.weight}%`).join(", ");
      throw new ConflictError("This campaign's variants were fixed by its first send", [
        {
          field: requested === PLAIN_MESSAGE_VARIANTS ? "message" : "variants",
          problem: `the campaign sends ${shown(fixed.variants)} since its first send request (a plain message is "${DEFAULT_VARIANT_ID} 100%"); every instance sends the same variants so each user stays in one arm (use a new campaign to change them)`,
        },
      ]);
    }
    const { controlGroupPercent, campaignId } = c;
    if (!hasExperiment({ controlGroupPercent, variants: fixed.variants })) {
      return () => ({ status: "QUEUED", variantId: null });
    }
    return (userId) => {
      const arm = assignArm({
        salt: fixed.experimentSalt,
        campaignId,
        userId,
        controlGroupPercent,
        variants: fixed.variants,
      });
      return arm.arm === "control"
        ? { status: "CONTROL", variantId: null }
        : { status: "QUEUED", variantId: arm.variantId };
    };
  }
  if (!c) throw new NotFoundError(`Campaign ${campaign.campaignId} does not exist in this app`);
  throw new Error(`campaign ${campaign.campaignId} kept changing`);
}

/**
 * @throws NotFoundError for an unknown campaign or a campaign whose connector is gone
 * @throws ConflictError for an archived campaign, or variants other than the campaign's
 * @throws DynamoDB or queue errors (the client retries; the claims make that safe)
 */
export async function acceptSends(
  app: AppRecord,
  campaignId: string,
  instanceId: string,
  request: SendsRequest,
  nowMs: number,
): Promise<{ instanceId: string; accepted: number; duplicates: number; heldBack: number }> {
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
  const requested =
    request.variants?.map(({ variantId, weight }) => ({ variantId, weight })) ?? PLAIN_MESSAGE_VARIANTS;
  const place = await experimentOf(app.appId, campaign, requested);

  const seen = new Set<string>();
  const unique = request.recipients.filter((r) => !seen.has(r.userId) && seen.add(r.userId));
  let duplicates = request.recipients.length - unique.length;
  let accepted = 0;
  let heldBack = 0;
  const toQueue: SendJob["recipients"] = [];
  const held: MessageRecord[] = [];
  const heldBefore: MessageRecord[] = [];
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
        ...place(r.userId),
      },
      nowMs,
    );
    if (claim.created) accepted++;
    else duplicates++;
    const record = claim.created ? claim.record : claim.existing;
    if (record.status === "CONTROL") {
      if (claim.created) {
        heldBack++;
        held.push(record);
      } else heldBefore.push(record);
    } else if (claim.created || record.status === "QUEUED") toQueue.push(r);
  });
  // The follow-up of a control user's claim: their window, re-driven when the claim was there already
  // (the request that made it may have stopped before this point).
  const ctx = { app, campaign, connector };
  await Promise.all([openWindows(ctx, held, nowMs), openWindows(ctx, heldBefore, nowMs, { redrive: true })]);

  const jobs: string[] = [];
  for (let i = 0; i < toQueue.length; i += SEND_CHUNK) {
    const job: SendJob = {
      appId: app.appId,
      campaignId,
      instanceId,
      connectorId: connector.connectorId,
      ...(request.variants
        ? { variants: request.variants.map(({ variantId, message }) => ({ variantId, message })) }
        : { message: request.message ?? "" }),
      recipients: toQueue.slice(i, i + SEND_CHUNK),
    };
    jobs.push(JSON.stringify(job));
  }
  if (jobs.length > 0) await queue().send("sends", jobs);
  return { instanceId, accepted, duplicates, heldBack };
}
