import { z } from "zod";
import { id } from "./common.js";

/** Path parameters of the management routes; each id is validated like a body id. */
export const appPath = z.object({ appId: id });
export const connectorPath = z.object({ appId: id, connectorId: id });
export const campaignPath = z.object({ appId: id, campaignId: id });
export const instancePath = z.object({ appId: id, campaignId: id, instanceId: id });
