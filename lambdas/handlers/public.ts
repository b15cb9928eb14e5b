import { json, jsonHandler } from "../http/handler.js";
import { openApiDocument } from "../http/openapi.js";
import { errorResponse } from "../http/response.js";
import { allowedMethods } from "../http/route-match.js";
import { DEFAULT_ROUTE_KEY, routes } from "../topology/routes.js";

let document: string | undefined;

/**
 * `GET /health`, `GET /openapi.json` (public, no I/O), and every request that matches no route
 * (`$default`): 405 with `Allow` when the path has other methods, else 404, in the API's error format.
 */
export const handler = jsonHandler(
  async (event) => {
    switch (event.routeKey) {
      case "GET /health":
        return json(200, { status: "ok" });
      case "GET /openapi.json":
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
      default: {
        const method = event.requestContext.http.method.toUpperCase();
        const allowed = allowedMethods(event.rawPath, routes);
        if (allowed.length > 0) {
          return errorResponse(
            405,
            "METHOD_NOT_ALLOWED",
            `${method} is not allowed on ${event.rawPath}`,
            [],
            {
              allow: allowed.join(", "),
            },
          );
        }
        return errorResponse(404, "NOT_FOUND", `No route ${method} ${event.rawPath}`);
      }
    }
  },
  { auth: "public" },
);

export { DEFAULT_ROUTE_KEY };
