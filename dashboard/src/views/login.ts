import { ApiError, listCampaigns } from "../api.js";
import { h } from "../dom.js";
import { type Credentials, saveCredentials } from "../session.js";

/** The key login: the key is checked by listing campaigns, then kept in sessionStorage only. */
export function loginView(onSignedIn: (c: Credentials) => void, notice?: string): HTMLElement {
  const appId = h("input", {
    id: "app-id",
    name: "appId",
    required: true,
    autocomplete: "username",
    spellcheck: "false",
    pattern: "[A-Za-z0-9_.:\\-]{1,128}",
  });
  const apiKey = h("input", {
    id: "api-key",
    name: "apiKey",
    type: "password",
    required: true,
    autocomplete: "current-password",
  });
  const error = h("p", { id: "login-error", class: "error", role: "alert" }, notice ?? "");
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "card login", "aria-describedby": "login-help", novalidate: false },
    h("h1", {}, "Sign in"),
    h(
      "p",
      { id: "login-help", class: "muted" },
      "Use your app id and its API key. The key stays in this browser tab and is forgotten when you close it.",
    ),
    h("div", { class: "field" }, h("label", { for: "app-id" }, "App id"), appId),
    h("div", { class: "field" }, h("label", { for: "api-key" }, "API key"), apiKey),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const credentials = { appId: appId.value.trim(), apiKey: apiKey.value.trim() };
    if (!credentials.appId || !credentials.apiKey) {
      error.textContent = "Enter both the app id and the API key.";
      return;
    }
    submit.disabled = true;
    error.textContent = "";
    try {
      await listCampaigns(credentials);
      saveCredentials(credentials);
      onSignedIn(credentials);
    } catch (e) {
      error.textContent =
        e instanceof ApiError && (e.status === 401 || e.status === 403)
          ? "That app id and key do not match."
          : `Could not reach the API: ${(e as Error).message}`;
      apiKey.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
