import { z } from "zod";
import type { RawReceipt } from "../flows/receipts.js";
import { json, jsonHandler } from "../http/handler.js";
import { orThrow, parsePath } from "../http/validate.js";
import { queue } from "../queue/index.js";
import { appPath } from "../schemas/path.js";
import { validate } from "../schemas/validate.js";
import { deleteParked, getParked, listParked } from "../store/parked.js";

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

const replayBody = z.strictObject({
  /** Replay these parked receipts; without ids, the first `limit` of them. */
  ids: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  limit: z.number().int().min(1).max(100).default(100),
});

/**
 * Operators' view of receipts that could not be parsed or matched (admin key):
 * `GET …/parked-receipts` lists them with the reason; `POST …/parked-receipts/replay` puts them back
 * on the receipts queue (queued first, then removed from the parking lot: a crash in between only
 * replays one twice, which the exactly-once core absorbs).
 */
export const handler = jsonHandler(async (event) => {
  const { appId } = parsePath(appPath, event);
  if (event.routeKey === "GET /v1/apps/{appId}/parked-receipts") {
    const q = orThrow(validate(listQuery, event.queryStringParameters ?? {}, "query"));
    const page = await listParked<RawReceipt>(appId, q.limit, q.cursor);
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
  const chosen = body.ids
    ? (await Promise.all(body.ids.map((id) => getParked<RawReceipt>(appId, id)))).filter((p) => p !== null)
    : (await listParked<RawReceipt>(appId, body.limit)).items;
  if (chosen.length > 0) {
    await queue().send(
      "receipts",
      chosen.map((p) => JSON.stringify(p.receipt)),
    );
    for (const p of chosen) await deleteParked(appId, p.id);
  }
  return json(200, { appId, replayed: chosen.length, ids: chosen.map((p) => p.id) });
});
