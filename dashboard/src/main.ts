import "./styles.css";
import { ApiError } from "./api.js";
import { announce, h } from "./dom.js";
import { type Credentials, clearCredentials, loadCredentials } from "./session.js";
import type { AnalyticsFilter } from "./types.js";
import { campaignView } from "./views/campaign.js";
import { loginView } from "./views/login.js";
import { overviewView } from "./views/overview.js";

const main = document.getElementById("main") as HTMLElement;
const sessionArea = document.getElementById("session") as HTMLElement;
/** Each render gets a number; a slower earlier one never overwrites a later one. */
let renderId = 0;

type Route = { page: "overview" } | { page: "campaign"; campaignId: string; filter: AnalyticsFilter };

/** `#/` or `#/campaigns/{id}?instanceId=…&from=…&to=…` — ids and dates only, never the key. */
function parseRoute(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#/, "").split("?");
  const m = /^\/campaigns\/([^/]+)$/.exec(path);
  if (!m?.[1]) return { page: "overview" };
  const params = new URLSearchParams(search);
  const filter: AnalyticsFilter = {};
  for (const k of ["instanceId", "from", "to"] as const) {
    const v = params.get(k);
    if (v) filter[k] = v;
  }
  return { page: "campaign", campaignId: decodeURIComponent(m[1]), filter };
}

function campaignHash(campaignId: string, filter: AnalyticsFilter): string {
  const params = new URLSearchParams(filter as Record<string, string>).toString();
  return `#/campaigns/${encodeURIComponent(campaignId)}${params ? `?${params}` : ""}`;
}

/**
 * Puts a page in place. Focus moves to the new page for keyboard and screen-reader users, as a full
 * navigation would — unless the control that caused it (say the instance picker) is on the new page
 * too: then it keeps focus, so choosing with the keyboard can go on.
 */
function show(content: HTMLElement, title: string, focus: boolean, keepId = ""): void {
  main.replaceChildren(content);
  document.title = `${title} · SMS Campaign Analytics`;
  main.setAttribute("aria-busy", "false");
  const kept = keepId ? document.getElementById(keepId) : null;
  if (kept && main.contains(kept)) kept.focus();
  else if (focus) main.focus();
  announce(`${title} loaded`);
}

function renderSession(c: Credentials | null): void {
  if (!c) {
    sessionArea.replaceChildren();
    return;
  }
  const signOut = h("button", { type: "button", class: "link-button" }, "Sign out");
  signOut.addEventListener("click", () => {
    clearCredentials();
    window.location.hash = "#/";
    void render(false, "Signed out.");
  });
  sessionArea.replaceChildren(h("span", { class: "app-id" }, "App ", h("code", {}, c.appId)), signOut);
}

async function render(focus = true, notice?: string): Promise<void> {
  const id = ++renderId;
  const credentials = loadCredentials();
  renderSession(credentials);
  if (!credentials) {
    show(
      loginView(() => void render(), notice),
      "Sign in",
      false,
    );
    document.getElementById("app-id")?.focus();
    return;
  }
  const route = parseRoute(window.location.hash);
  const active = document.activeElement;
  const keepId = active && active !== main && main.contains(active) ? active.id : "";
  main.setAttribute("aria-busy", "true");
  try {
    if (route.page === "overview") {
      const view = await overviewView(credentials);
      if (id === renderId) show(view, "Campaigns", focus, keepId);
    } else {
      const view = await campaignView(credentials, route.campaignId, route.filter, (filter) => {
        window.location.hash = campaignHash(route.campaignId, filter);
      });
      if (id === renderId) show(view, route.campaignId, focus, keepId);
    }
  } catch (e) {
    if (id !== renderId) return;
    if (e instanceof ApiError && e.status === 401) {
      clearCredentials();
      return render(false, "The key was not accepted any more. Sign in again.");
    }
    show(
      h(
        "section",
        { class: "card", role: "alert" },
        h("h1", {}, "Something went wrong"),
        h("p", {}, (e as Error).message),
        h("p", {}, h("a", { href: "#/" }, "Back to campaigns")),
      ),
      "Error",
      focus,
    );
  }
}

// The skip link must not change the hash: the hash is the page address.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", () => void render());
void render(false);
