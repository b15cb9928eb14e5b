import { ConflictError, InvalidInputError } from "../domain/errors.js";
import { keys } from "../store/keys.js";
import { type InboxMessage, listInbox } from "../store/sandbox-inbox.js";
import { connectorOf } from "./configuration.js";

/** What `GET …/connectors/{connectorId}/sandbox-messages` narrows the inbox to. */
export interface InboxQuery {
  campaignId?: string;
  /** Only with `campaignId`. */
  instanceId?: string;
  /** Only this user's messages. */
  userId?: string;
  /** Messages read for this page (1–1000); a page may hold fewer (not yet delivered, other users). */
  limit: number;
  cursor?: string;
}

/** One page of a sandbox phone's messages, each as the recipient sees it, with its delivery time. */
export interface InboxPage {
  messages: Array<Omit<InboxMessage, "appId" | "connectorId" | "deliveredAt"> & { deliveredAt: string }>;
  nextCursor: string | null;
}

/**
 * The messages a sandbox connector has delivered so far (delivery time ≤ now): what the recipients'
 * phones show, so their links can be tapped like a person's. The sandbox keeps them 7 days.
 *
 * @param nowMs epoch ms; messages whose delivery receipt is still due are left out
 * @throws NotFoundError for an unknown connector; ConflictError for a connector that is not a sandbox
 *   (real providers' messages are never kept); InvalidInputError for `instanceId` without `campaignId`
 *   or a cursor from another query
 */
export async function sandboxInbox(
  appId: string,
  connectorId: string,
  query: InboxQuery,
  nowMs: number,
): Promise<InboxPage> {
  if (query.instanceId !== undefined && query.campaignId === undefined)
    throw new InvalidInputError("instanceId needs campaignId", [
      { field: "instanceId", problem: "is only allowed with campaignId" },
    ]);
  const prefix = keys.sandboxInboxPrefix(query.campaignId, query.instanceId);
  if (query.cursor !== undefined && !query.cursor.startsWith(prefix))
    throw new InvalidInputError("cursor does not belong to this query", [
      { field: "cursor", problem: "is not a nextCursor of this query" },
    ]);
  const connector = await connectorOf(appId, connectorId);
  if (connector.provider !== "sandbox")
    throw new ConflictError(
      `Connector ${connectorId} is not a sandbox connector: only the sandbox keeps messages`,
    );
  const filter = {
    ...(query.campaignId === undefined ? {} : { campaignId: query.campaignId }),
    ...(query.instanceId === undefined ? {} : { instanceId: query.instanceId }),
  };
  const page = await listInbox(appId, connectorId, filter, query.limit, query.cursor);
  return {
    messages: page.items
      .filter((m) => m.deliveredAt <= nowMs && (query.userId === undefined || m.userId === query.userId))
      .map(({ appId: _a, connectorId: _c, deliveredAt, ...rest }) => ({
        ...rest,
        deliveredAt: new Date(deliveredAt).toISOString(),
      })),
    nextCursor: page.next,
  };
}
