/**
 * A stand-in HTTP function for the local server's end-to-end test: it answers with the event it was given,
 * and covers the other answers a function can give (a string, binary, a throw, enqueueing work).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import { queue } from "../../lambdas/queue/index.js";

export async function handler(
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyResultV2> {
  switch (event.routeKey) {
    case "POST /echo/{first}/{second}":
      return {
        statusCode: 201,
        headers: { "content-type": "application/json", "x-echo": "yes" },
        cookies: ["a=1; Path=/", "b=2"],
        body: JSON.stringify({
          event,
          context: {
            functionName: context.functionName,
            awsRequestId: context.awsRequestId,
            remaining: context.getRemainingTimeInMillis(),
          },
          env: { tableName: process.env.TABLE_NAME, publicBaseUrl: process.env.PUBLIC_BASE_URL },
        }),
      };
    case "GET /text":
      return "plain string";
    case "GET /binary":
      return {
        statusCode: 200,
        headers: { "content-type": "image/gif" },
        body: "AAEC/w==",
        isBase64Encoded: true,
      };
    case "GET /boom":
      throw new Error("secret detail that must not reach the client");
    case "POST /enqueue": {
      const { bodies } = JSON.parse(event.body ?? "{}") as { bodies: string[] };
      await queue().send("clicks", bodies);
      return { statusCode: 202, body: "" };
    }
    default:
      return { statusCode: 404, body: "unknown route" };
  }
}
