import { acceptSends } from "../flows/send-requests.js";
import { json, jsonHandler } from "../http/handler.js";
import { appOf } from "../http/route-auth.js";
import { parseBody, parsePath } from "../http/validate.js";
import { nowMs } from "../platform/clock.js";
import { instancePath } from "../schemas/path.js";
import { sendsInput } from "../schemas/sends.js";

/** `POST …/instances/{instanceId}/sends`: see flows/send-requests. */
export const handler = jsonHandler(async (event) => {
  const { campaignId, instanceId } = parsePath(instancePath, event);
  const body = parseBody(sendsInput, event);
  return json(202, await acceptSends(appOf(event), campaignId, instanceId, body, nowMs()));
});
