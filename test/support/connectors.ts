import type { ConnectorConfig, CustomConfig, ProviderName } from "../../lambdas/domain/connector.js";

const SETTINGS = { sendRatePerSecond: 20, timeoutMs: 10_000 };

/** A connector of `provider` with the given provider block (tests of the provider port). */
export function connectorOf(provider: ProviderName, block?: unknown): ConnectorConfig {
  if (provider === "custom") {
    const custom = (block ?? { request: { method: "POST", url: "https://x.example" } }) as CustomConfig;
    return { ...SETTINGS, provider, deliveryTracking: custom.receipt !== undefined, custom };
  }
  return { ...SETTINGS, provider, deliveryTracking: true, [provider]: block ?? {} } as ConnectorConfig;
}
