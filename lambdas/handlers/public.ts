import { NotFoundError } from "../http/errors.js";
import { json, jsonHandler } from "../http/handler.js";
import { openApiDocument } from "../http/openapi.js";

let document: string | undefined;

/** `GET /health` and `GET /openapi.json`: public, no I/O. */
export const handler = jsonHandler(async (event) => {
  switch (event.routeKey) {
    case "GET /health":
      return json(200, { status: "ok" });
    case "GET /openapi.json": {
      // Built once per cold start: the routes and schemas are fixed at build time.
      document ??= JSON.stringify(openApiDocument());
      return {
        statusCode: 200,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "public, max-age=300",
        },
        body: document,
      };
    }
    default:
      throw new NotFoundError(`No route ${event.routeKey}`);
  }
});
