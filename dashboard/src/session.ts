/** The app id and API key, kept for this tab only (sessionStorage), never in the URL. */
export interface Credentials {
  appId: string;
  apiKey: string;
}

const KEY = "sms-analytics.credentials";

export function loadCredentials(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Credentials>;
    return typeof parsed.appId === "string" && typeof parsed.apiKey === "string"
      ? { appId: parsed.appId, apiKey: parsed.apiKey }
      : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(KEY);
}
