/**
 * AWS list prices used by the cost model: us-east-1, on-demand, no free tier. They are the list prices
 * as of 2026 as far as this bench knows them (DynamoDB on-demand as reduced on 2024-11-01); check them
 * against the pricing pages below before quoting a number.
 */
export const PRICES = {
  region: "us-east-1",
  asOf: "2026 list prices (to be checked against the pricing pages)",
  dynamodbWritePerMillionWru: 0.625,
  dynamodbReadPerMillionRru: 0.125,
  sqsStandardPerMillionRequests: 0.4,
  lambdaPerMillionRequests: 0.2,
  lambdaArm64PerGbSecond: 0.0000133334,
  apiGatewayHttpApiPerMillionRequests: 1.0,
  sources: [
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "https://aws.amazon.com/sqs/pricing/",
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/api-gateway/pricing/",
  ],
} as const;
