import { timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { sha256 } from "../domain/digest.js";
import { type AppRecord, getApiKeyOwner, getApp } from "../store/apps.js";
import { adminKeyDigest } from "./admin-key.js";
import { ForbiddenError, UnauthorizedError } from "./errors.js";

const MAX_KEY_LENGTH = 512;

/** The bearer credential of a request; 401 when the header is missing or not `Bearer <key>`. */
export function bearerKey(event: APIGatewayProxyEventV2): string {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const match = header === undefined ? null : /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  const key = match?.[1];
  if (!key) throw new UnauthorizedError("Missing or malformed Authorization header: expected Bearer <key>");
  if (key.length > MAX_KEY_LENGTH) throw new UnauthorizedError("The API key is not valid");
  return key;
}

async function isAdminKey(key: string): Promise<boolean> {
  const admin = await adminKeyDigest();
  return admin !== undefined && timingSafeEqual(sha256(key), admin);
}

/** Admin routes: the admin key, else 403 for a valid app key and 401 for anything else. */
export async function requireAdmin(event: APIGatewayProxyEventV2): Promise<void> {
  const key = bearerKey(event);
  if (await isAdminKey(key)) return;
  if (await getApiKeyOwner(sha256(key).toString("hex"))) {
    throw new ForbiddenError("This route needs the admin key; an app API key cannot manage apps");
  }
  throw new UnauthorizedError("The API key is not valid");
}

/**
 * App routes: the app's own key. A valid key of another app is 403, the admin key 401; that decision
 * never reads the path's app, so the answer does not reveal whether that app exists.
 */
export async function requireApp(event: APIGatewayProxyEventV2, appId: string): Promise<AppRecord> {
  const key = bearerKey(event);
  const digest = sha256(key);
  const owner = await getApiKeyOwner(digest.toString("hex"));
  // The admin key is not an app key: it gets the same 401 as any unknown key, on every app route
  // (the functions behind app routes never hold the admin secret, by least privilege).
  if (owner === undefined) throw new UnauthorizedError("The API key is not valid for app routes");
  if (owner !== appId) throw new ForbiddenError("This API key belongs to another app");
  const app = await getApp(appId);
  // The lookup item says which app; the app's own hash (compared in constant time) says the key is current.
  const stored = app ? Buffer.from(app.apiKeyHash, "hex") : undefined;
  if (!app || !stored || stored.length !== digest.length || !timingSafeEqual(stored, digest)) {
    throw new UnauthorizedError("The API key is not valid");
  }
  return { appId: app.appId, name: app.name, timezone: app.timezone, currency: app.currency };
}
