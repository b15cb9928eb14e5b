import type { RawReceipt } from "../queue/contracts.js";
import { queue } from "../queue/index.js";
import { deleteParked, getParked, listParked, type ParkedReceipt } from "../store/parked.js";

/**
 * Operators' view of receipts that could not be parsed or matched: list them with the reason, and put
 * them back on the receipts queue once the cause is fixed (queued first, then removed — only the copy
 * that was read, so a receipt parked again meanwhile is never lost; a crash in between replays one
 * twice, which counting absorbs).
 */

export function parkedReceipts(appId: string, limit: number, cursor?: string) {
  return listParked<RawReceipt>(appId, limit, cursor);
}

/**
 * Replays the given parked receipts (or the first `limit`).
 * @throws DynamoDB or queue errors (nothing is removed before it is queued)
 */
export async function replayParked(
  appId: string,
  choice: { ids?: string[]; limit: number },
): Promise<Array<ParkedReceipt<RawReceipt>>> {
  const chosen = choice.ids
    ? (await Promise.all(choice.ids.map((id) => getParked<RawReceipt>(appId, id)))).filter(
        (p): p is ParkedReceipt<RawReceipt> => p !== null,
      )
    : (await listParked<RawReceipt>(appId, choice.limit)).items;
  if (chosen.length === 0) return [];
  await queue().send(
    "receipts",
    chosen.map((p) => JSON.stringify(p.receipt)),
  );
  for (const p of chosen) await deleteParked(appId, p.id, p.parkedAt);
  return chosen;
}
