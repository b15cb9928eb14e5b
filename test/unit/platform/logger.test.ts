import { afterEach, describe, expect, it } from "vitest";
import { logger, logLevelFromEnv, logsAt } from "../../../lambdas/platform/logger.js";

/** LOG_LEVEL as Powertools reads it (POWERTOOLS_LOG_LEVEL first), but an unknown name is reported. */
describe("logLevelFromEnv", () => {
  it("reads LOG_LEVEL in any case, POWERTOOLS_LOG_LEVEL first, INFO when neither is set", () => {
    expect(logLevelFromEnv({})).toBe("INFO");
    expect(logLevelFromEnv({ LOG_LEVEL: "debug" })).toBe("DEBUG");
    expect(logLevelFromEnv({ LOG_LEVEL: " Warn " })).toBe("WARN");
    expect(logLevelFromEnv({ LOG_LEVEL: "debug", POWERTOOLS_LOG_LEVEL: "error" })).toBe("ERROR");
    expect(logLevelFromEnv({ LOG_LEVEL: "" })).toBe("INFO");
  });

  it("answers undefined for a name that is no level (npm start refuses it)", () => {
    expect(logLevelFromEnv({ LOG_LEVEL: "verbose" })).toBeUndefined();
    expect(logLevelFromEnv({ LOG_LEVEL: "3" })).toBeUndefined();
  });
});

describe("logsAt", () => {
  afterEach(() => logger.setLogLevel("INFO"));

  it("follows the logger's level", () => {
    logger.setLogLevel("WARN");
    expect(logsAt("INFO")).toBe(false);
    expect(logsAt("WARN")).toBe(true);
    expect(logsAt("ERROR")).toBe(true);
    logger.setLogLevel("DEBUG");
    expect(logsAt("INFO")).toBe(true);
    expect(logsAt("TRACE")).toBe(false);
  });
});
