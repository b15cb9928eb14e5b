import { z } from "zod";
import { analyticsQuery } from "../schemas/analytics.js";
import { appInput } from "../schemas/app.js";
import { campaignInput } from "../schemas/campaign.js";
import { id } from "../schemas/common.js";
import { connectorInput } from "../schemas/connector.js";
import { eventsInput } from "../schemas/events.js";
import {
  analyticsResponse,
  apiKeyIssued,
  appResponse,
  campaignList,
  campaignResponse,
  connectorList,
  connectorResponse,
  errorBody,
  eventsAccepted,
  health,
  instanceList,
  sendsAccepted,
} from "../schemas/responses.js";
import { sandboxInboxQuery, sandboxInboxResponse } from "../schemas/sandbox-inbox.js";
import { sendsInput } from "../schemas/sends.js";
import { type RouteAuth, type RouteSpec, routes } from "../topology/routes.js";

type JsonSchema = Record<string, unknown>;
type Method = "GET" | "POST" | "PUT" | "DELETE" | "HEAD";

interface Doc {
  summary: string;
  auth: RouteAuth;
  body?: string;
  query?: z.ZodObject;
  /** status → [description, component schema name or undefined] */
  responses: Record<string, [string, string?]>;
}

/** Named components: one entry per schema, referenced from the operations. */
const SCHEMAS: Record<string, z.ZodType> = {
  Error: errorBody,
  AppInput: appInput,
  App: appResponse,
  ConnectorInput: connectorInput,
  Connector: connectorResponse,
  CampaignInput: campaignInput,
  Campaign: campaignResponse,
  CampaignList: campaignList,
  ConnectorList: connectorList,
  InstanceList: instanceList,
  SandboxMessages: sandboxInboxResponse,
  ApiKey: apiKeyIssued,
  SendsInput: sendsInput,
  SendsAccepted: sendsAccepted,
  EventsInput: eventsInput,
  EventsAccepted: eventsAccepted,
  Analytics: analyticsResponse,
  Health: health,
};

const APP_ERRORS: Record<string, [string, string?]> = {
  "400": ["Invalid request; details name each field and problem", "Error"],
  "401": ["Missing or unknown key", "Error"],
  "403": ["A valid key that may not access this app", "Error"],
};

/** Every route of the API (SPEC §4), documented; routes in the routes table must all appear here. */
export const OPERATIONS: Record<string, Doc> = {
  "PUT /v1/apps/{appId}": {
    summary: "Create (201, returns apiKey once) or update (200) an app",
    auth: "admin",
    body: "AppInput",
    responses: {
      "200": ["Updated", "App"],
      "201": ["Created; apiKey shown once", "App"],
      ...APP_ERRORS,
      "409": ["The time zone or currency cannot change once the app has data", "Error"],
    },
  },
  "GET /v1/apps/{appId}": {
    summary: "The app's settings (and since when it has data: its time zone and currency then stay fixed)",
    auth: "app",
    responses: { "200": ["The app", "App"], ...APP_ERRORS },
  },
  "POST /v1/apps/{appId}/api-keys": {
    summary: "Issue a new API key for the app (shown once); the previous key stops working at once",
    auth: "admin",
    responses: { "201": ["The new key", "ApiKey"], ...APP_ERRORS, "404": ["Unknown app", "Error"] },
  },
  "GET /v1/apps/{appId}/connectors": {
    summary: "The app's connectors, configuration without credentials",
    auth: "app",
    responses: { "200": ["The connectors", "ConnectorList"], ...APP_ERRORS },
  },
  "GET /v1/apps/{appId}/connectors/{connectorId}": {
    summary: "A connector's configuration without credentials (secrets only as set / not set)",
    auth: "app",
    responses: {
      "200": ["The connector", "Connector"],
      ...APP_ERRORS,
      "404": ["Unknown connector", "Error"],
    },
  },
  "GET /v1/apps/{appId}/connectors/{connectorId}/sandbox-messages": {
    summary:
      "Sandbox only: the messages its simulated phones received so far (delivered ones, kept 7 days), with their short links to tap",
    auth: "app",
    query: sandboxInboxQuery,
    responses: {
      "200": ["Messages and nextCursor", "SandboxMessages"],
      ...APP_ERRORS,
      "404": ["Unknown connector", "Error"],
      "409": ["Not a sandbox connector (real providers' messages are never kept)", "Error"],
    },
  },
  "DELETE /v1/apps/{appId}/connectors/{connectorId}": {
    summary: "Archive a connector no live campaign uses (receipts for its past sends still count)",
    auth: "app",
    responses: {
      "200": ["Archived", "Connector"],
      ...APP_ERRORS,
      "404": ["Unknown connector", "Error"],
      "409": ["Live campaigns use it", "Error"],
    },
  },
  "GET /v1/apps/{appId}/campaigns/{campaignId}": {
    summary: "A campaign's settings",
    auth: "app",
    responses: { "200": ["The campaign", "Campaign"], ...APP_ERRORS, "404": ["Unknown campaign", "Error"] },
  },
  "DELETE /v1/apps/{appId}/campaigns/{campaignId}": {
    summary: "Archive a campaign: new sends are refused (409); its analytics stay readable",
    auth: "app",
    responses: { "200": ["Archived", "Campaign"], ...APP_ERRORS, "404": ["Unknown campaign", "Error"] },
  },
  "GET /v1/apps/{appId}/campaigns/{campaignId}/instances": {
    summary: "Every instance of a campaign with its first and last send time and headline numbers",
    auth: "app",
    responses: {
      "200": ["The instances", "InstanceList"],
      ...APP_ERRORS,
      "404": ["Unknown campaign", "Error"],
    },
  },
  "PUT /v1/apps/{appId}/connectors/{connectorId}": {
    summary: "Create or update a connector; credentials are never echoed",
    auth: "app",
    body: "ConnectorInput",
    responses: {
      "200": ["Updated", "Connector"],
      "201": ["Created; webhookUrl shown once", "Connector"],
      ...APP_ERRORS,
      "409": ["Provider or delivery tracking cannot change", "Error"],
    },
  },
  "PUT /v1/apps/{appId}/campaigns/{campaignId}": {
    summary: "Create or update a campaign",
    auth: "app",
    body: "CampaignInput",
    responses: {
      "200": ["Updated", "Campaign"],
      "201": ["Created", "Campaign"],
      ...APP_ERRORS,
      "409": ["An archived connector, or another attribution basis after the campaign has sent", "Error"],
    },
  },
  "GET /v1/apps/{appId}/campaigns": {
    summary: "List the app's campaigns",
    auth: "app",
    responses: { "200": ["The campaigns", "CampaignList"], ...APP_ERRORS },
  },
  "POST /v1/apps/{appId}/campaigns/{campaignId}/instances/{instanceId}/sends": {
    summary: "Send a campaign instance to up to 1,000 recipients",
    auth: "app",
    body: "SendsInput",
    responses: {
      "202": ["Accepted for sending", "SendsAccepted"],
      ...APP_ERRORS,
      "404": ["Unknown campaign", "Error"],
      "409": ["The campaign is archived", "Error"],
    },
  },
  "POST /v1/apps/{appId}/events": {
    summary: "Ingest up to 500 app events; an invalid batch is rejected whole with per-entry errors",
    auth: "app",
    body: "EventsInput",
    responses: { "202": ["Accepted", "EventsAccepted"], ...APP_ERRORS },
  },
  "GET /v1/apps/{appId}/campaigns/{campaignId}/analytics": {
    summary: "Campaign analytics (JSON, or the daily series as CSV with format=csv)",
    auth: "app",
    query: analyticsQuery,
    responses: { "200": ["Analytics", "Analytics"], ...APP_ERRORS, "404": ["Unknown campaign", "Error"] },
  },
  "GET /v1/apps/{appId}/parked-receipts": {
    summary: "Operator: list receipts that could not be parsed or matched (query limit 1..100, cursor)",
    auth: "admin",
    responses: { "200": ["Parked receipts and nextCursor"], ...APP_ERRORS },
  },
  "POST /v1/apps/{appId}/parked-receipts/replay": {
    summary: "Operator: put parked receipts back on the receipts queue (body {ids?, limit?})",
    auth: "admin",
    responses: { "200": ["How many were replayed, and their ids"], ...APP_ERRORS },
  },
  "GET /webhooks/dlr/{connectorId}/{token}": {
    summary: "Delivery receipt in the provider's own format (query parameters)",
    auth: "token",
    responses: { "200": ["Accepted"], "401": ["Unknown token", "Error"] },
  },
  "POST /webhooks/dlr/{connectorId}/{token}": {
    summary: "Delivery receipt in the provider's own format (body)",
    auth: "token",
    responses: { "200": ["Accepted"], "401": ["Unknown token", "Error"] },
  },
  "GET /l/{code}": {
    summary:
      "Short link: 302 to the stored URL; counts a click. Characters glued after the 14-character code (/, punctuation, more path) are ignored",
    auth: "public",
    responses: { "302": ["Redirect to the stored URL"], "404": ["Unknown code"], "410": ["Expired link"] },
  },
  "HEAD /l/{code}": {
    summary: "Short link check; never counts a click. Characters glued after the code are ignored",
    auth: "public",
    responses: { "302": ["Redirect to the stored URL"], "404": ["Unknown code"], "410": ["Expired link"] },
  },
  "GET /health": { summary: "Liveness", auth: "public", responses: { "200": ["Alive", "Health"] } },
  "GET /openapi.json": {
    summary: "This OpenAPI 3.1 document",
    auth: "public",
    responses: { "200": ["The document"] },
  },
};

function jsonSchema(schema: z.ZodType): JsonSchema {
  // Input shapes: fields with defaults are optional for the client.
  const out = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => {
    const name = m[1] as string;
    const secret = name === "token" || name === "code";
    return {
      name,
      in: "path",
      required: true,
      schema: secret ? { type: "string" } : jsonSchema(id),
    };
  });
}

function queryParameters(query: z.ZodObject): JsonSchema[] {
  const whole = jsonSchema(query) as { properties?: Record<string, JsonSchema> };
  return Object.entries(whole.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: false,
    schema,
  }));
}

function operation(key: string, doc: Doc): JsonSchema {
  const path = key.slice(key.indexOf(" ") + 1);
  const op: JsonSchema = {
    operationId: key.replace(/[^A-Za-z0-9]+/g, "_").replace(/_+$/, ""),
    summary: doc.summary,
    parameters: [...pathParameters(path), ...(doc.query ? queryParameters(doc.query) : [])],
    responses: Object.fromEntries(
      Object.entries(doc.responses).map(([status, [description, schema]]) => [
        status,
        schema ? { description, content: { "application/json": { schema: ref(schema) } } } : { description },
      ]),
    ),
  };
  // Admin and app routes take a bearer key; token routes authenticate by the path, public ones not at all.
  op.security = doc.auth === "admin" || doc.auth === "app" ? [{ bearer: [] }] : [];
  if (doc.body)
    op.requestBody = { required: true, content: { "application/json": { schema: ref(doc.body) } } };
  return op;
}

/**
 * A route path as OpenAPI writes it. OpenAPI has no greedy path variable: API Gateway's `{code+}` is
 * documented as `{code}`, its summary saying what may follow.
 */
export function openApiPath(path: string): string {
  return path.replace(/\{([^}]+)\+\}/g, "{$1}");
}

/** Documented keys plus any route in the routes table (so a new route cannot be missing from the paths). */
function routeKeys(table: readonly RouteSpec[]): string[] {
  const all = new Set(Object.keys(OPERATIONS));
  for (const r of table) all.add(`${r.method} ${openApiPath(r.path)}`);
  return [...all];
}

/** The OpenAPI 3.1 document of this API, built from the routes table and the zod schemas. */
export function openApiDocument(table: readonly RouteSpec[] = routes): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const key of routeKeys(table)) {
    const [method, path] = key.split(" ") as [Method, string];
    const route = table.find((r) => r.method === method && openApiPath(r.path) === path);
    const doc = OPERATIONS[key] ?? {
      summary: key,
      auth: route?.auth ?? "public",
      responses: { "200": ["OK"] },
    };
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = operation(key, doc);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "SMS Campaign Analytics API",
      version: "1.0.0",
      description:
        "Configure apps, connectors and campaigns; send campaigns; stream app events; read campaign analytics. " +
        'Errors are {"error": {"code", "message", "details": [{"field", "problem"}]}}.',
    },
    paths,
    components: {
      schemas: Object.fromEntries(
        Object.entries(SCHEMAS).map(([name, schema]) => [name, jsonSchema(schema)]),
      ),
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "Admin key or the app's API key" },
      },
    },
  };
}
