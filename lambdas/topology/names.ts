/** The names the topology tables key by: its functions and its queues (one home, no cycle between tables). */

export type FunctionName =
  | "management"
  | "sends"
  | "events"
  | "analytics"
  | "webhook"
  | "redirect"
  | "public"
  | "parkedReceipts"
  | "sendWorker"
  | "deliveryWorker"
  | "clickWorker"
  | "attributionWorker"
  | "counter"
  | "sandboxDeliverer";

export type QueueName = "sends" | "receipts" | "clicks" | "events" | "sandboxReceipts";
