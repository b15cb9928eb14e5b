import type { QueueName } from "../routes.js";

/** Where edge functions put work for the workers. `send` resolves only once every body is durably queued. */
export interface QueuePort {
  send(queue: QueueName, bodies: string[]): Promise<void>;
}
