import { z } from "zod";
import { parkedReceipts, replayParked } from "../flows/parked-receipts.js";
import { json, jsonHandler } from "../http/handler.js";
import { orThrow, parsePath } from "../http/validate.js";
import { appPath } from "../schemas/path.js";
import { validate } from "../schemas/validate.js";

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

const replayBody = z.strictObject({
  /** Replay these parked receipts; without ids, the first `limit` of them. */
  ids: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  limit: z.number().int().min(1).max(100).default(100),
});

/** `GET …/parked-receipts` and `POST …/parked-receipts/replay` (admin key): see flows/parked-receipts. */
export const handler = jsonHandler(async (event) => {
  const { appId } = parsePath(appPath, event);
  if (event.routeKey === "GET /v1/apps/{appId}/parked-receipts") {
    const q = orThrow(validate(listQuery, event.queryStringParameters ?? {}, "query"));
    const page = await parkedReceipts(appId, q.limit, q.cursor);
    return json(200, {
      appId,
      parkedReceipts: page.items.map((p) => ({
        id: p.id,
        reason: p.reason,
        parkedAt: new Date(p.parkedAt).toISOString(),
        connectorId: p.receipt.connectorId,
        provider: p.receipt.provider,
        receivedAt: new Date(p.receipt.receivedAt).toISOString(),
        request: p.receipt.request,
      })),
      nextCursor: page.next,
    });
  }
  const body = orThrow(validate(replayBody, event.jsonBody ?? {}));
  const chosen = await replayParked(appId, { ...(body.ids ? { ids: body.ids } : {}), limit: body.limit });
  return json(200, { appId, replayed: chosen.length, ids: chosen.map((p) => p.id) });
});
