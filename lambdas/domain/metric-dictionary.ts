/**
 * The metric dictionary: every field of the analytics response with its exact definition. The README's
 * dictionary is generated from this list (`npm run docs:metrics`) and a test checks that the response
 * and this list name exactly the same fields, so the documentation cannot drift from the code.
 */
export interface MetricEntry {
  /** Path in the JSON response; `[]` marks the fields of each array entry. */
  path: string;
  definition: string;
}

export const metricDictionary: MetricEntry[] = [
  { path: "appId", definition: "The app (tenant)." },
  { path: "campaignId", definition: "The campaign." },
  {
    path: "instanceId",
    definition:
      "The instance the numbers are for, or null for the whole campaign (the sum of its instances).",
  },
  {
    path: "timezone",
    definition:
      "The app's IANA time zone: every day boundary, date filter and series bucket uses it (DST-correct).",
  },
  { path: "currency", definition: "The app's ISO-4217 currency; money has exactly its minor digits." },
  {
    path: "from",
    definition:
      "First day of the requested range (app time zone), or null when no range was given (all time).",
  },
  { path: "to", definition: "Last day of the requested range (inclusive), or null." },
  {
    path: "delivery.sent",
    definition:
      "Users whose send the provider accepted (custom: HTTP 200 exactly; integrated: the provider's documented success), by sent day. A receipt for a send whose outcome was unknown moves the user here.",
  },
  {
    path: "delivery.failedToSend",
    definition:
      "Users not sent: personalization failed, invalid number, provider error, or send outcome unknown; by attempt day. Never retried.",
  },
  {
    path: "delivery.delivered",
    definition:
      "Users whose receipt reported delivery, by delivery day (the operator's timestamp when present, never before the send). Final: later receipts do not change it.",
  },
  {
    path: "delivery.failedToDeliver",
    definition:
      "Users whose latest final receipt is a failure (including UNKNOWN), by receipt day. A later delivery moves the user to delivered.",
  },
  {
    path: "delivery.inTransit",
    definition:
      "Sent users with no final receipt yet, counted on their sent day. All time: sent = delivered + failedToDeliver + inTransit.",
  },
  {
    path: "delivery.pendingDeliveryConfirmation",
    definition:
      "Sent users of a custom connector without delivery tracking (no receipts ever arrive), on their sent day.",
  },
  {
    path: "delivery.deliveryRate",
    definition:
      "delivered ÷ sent × 100, 2 decimals; null when sent is 0 or the connector has no delivery tracking.",
  },
  {
    path: "clicks.total",
    definition:
      "Taps on tracked links by people (every tap counts), by tap day. Excludes suspected bots and taps after expiry.",
  },
  {
    path: "clicks.unique",
    definition:
      "Users with at least one counted tap, once per instance (the campaign figure is the sum over instances), on the day of their first tap.",
  },
  {
    path: "clicks.clickThroughRate",
    definition:
      "unique ÷ attribution base (delivered, or sent without delivery tracking) × 100, 2 decimals; null without click tracking or when the base is 0.",
  },
  {
    path: "clicks.suspectedBots",
    definition:
      "Requests to tracked links by link previewers, scanners and crawlers (isbot user agents, missing user agent, HEAD requests): kept apart, never clicks.",
  },
  {
    path: "clicks.afterExpiry",
    definition:
      "Taps by people more than 360 hours after the message's sent time: answered 410 and not counted as clicks.",
  },
  { path: "clicks.byUrl[].url", definition: "A tracked URL of the campaign's messages." },
  { path: "clicks.byUrl[].total", definition: "Counted taps on that URL." },
  {
    path: "clicks.byUrl[].unique",
    definition: "Users with a counted tap on that URL (per instance, summed).",
  },
  { path: "conversions.goalId", definition: "The campaign's primary goal." },
  {
    path: "conversions.attributionBasis",
    definition:
      '"delivered" (windows open at delivery: integrated connectors and custom with tracking) or "sent" (windows open at the send).',
  },
  {
    path: "conversions.conversionEvents",
    definition:
      "Primary-goal events by attributed users with windowStart ≤ event time < windowStart + window, every event counted once per campaign, by event day.",
  },
  {
    path: "conversions.conversions",
    definition:
      "Users with at least one such event, once per instance (summed for the campaign), on the day of their earliest such event.",
  },
  {
    path: "conversions.conversionRate",
    definition: "conversions ÷ attribution base × 100, 2 decimals; null when the base is 0.",
  },
  { path: "revenue.goalId", definition: "The goal with a revenueAttribute, or null." },
  {
    path: "revenue.total",
    definition:
      "Sum of the revenue attribute over the revenue goal's attributed events, in exact decimal arithmetic, in the currency's minor digits (half-even).",
  },
  {
    path: "revenue.averageOrderValue",
    definition: "total ÷ the revenue goal's conversion events; null when there are none.",
  },
  {
    path: "revenue.averageRevenuePerUser",
    definition: "total ÷ the revenue goal's unique converters; null when there are none.",
  },
  {
    path: "revenue.eventsWithoutRevenue",
    definition:
      "Attributed revenue-goal events without a revenue attribute (absent, null or empty): counted as conversions, adding no revenue.",
  },
  {
    path: "revenue.eventsWithUnreadableRevenue",
    definition:
      'Attributed revenue-goal events whose revenue attribute is not a plain decimal number (grouping separators such as "1,299.00", currency symbols such as "₹1,299", words, booleans): counted as conversions, adding no revenue. Send amounts as JSON numbers or plain decimal strings.',
  },
  {
    path: "revenue.eventsWithNegativeRevenue",
    definition:
      "Attributed revenue-goal events with a negative revenue attribute (refunds): counted as conversions, adding no revenue; refunds are not netted against conversion revenue.",
  },
  { path: "goals[].goalId", definition: "A goal of the campaign." },
  { path: "goals[].eventName", definition: "The event name it counts." },
  {
    path: "goals[].allGoals",
    definition: "Every attributed event matching the goal (name and all filters equal).",
  },
  { path: "goals[].uniqueGoals", definition: "Users with at least one such event, once per instance." },
  { path: "goals[].revenue", definition: "On the revenue goal only: its total revenue." },
  {
    path: "failures.failedToSend[].reason",
    definition: "PERSONALIZATION_FAILED, INVALID_NUMBER, PROVIDER_ERROR or SEND_OUTCOME_UNKNOWN.",
  },
  {
    path: "failures.failedToSend[].code",
    definition:
      "The provider's error code (HTTP status when it gives none) for PROVIDER_ERROR; otherwise null.",
  },
  { path: "failures.failedToSend[].count", definition: "Users failed to send for that reason and code." },
  {
    path: "failures.failedToDeliver[].code",
    definition: "The provider's failure code (UNKNOWN for receipts that confirm nothing).",
  },
  {
    path: "failures.failedToDeliver[].description",
    definition: "The provider's description of the code where known.",
  },
  { path: "failures.failedToDeliver[].count", definition: "Users whose final failure carries that code." },
  { path: "series[].date", definition: "An app-local calendar day; with from/to, every day of the range." },
  { path: "series[].sent", definition: "delivery.sent on that day (by sent time)." },
  { path: "series[].delivered", definition: "delivery.delivered on that day (by delivery time)." },
  { path: "series[].clicks", definition: "clicks.total on that day (by tap time)." },
  {
    path: "series[].conversionEvents",
    definition: "conversions.conversionEvents on that day (by event time).",
  },
  {
    path: "series[].conversions",
    definition: "conversions.conversions whose earliest event is on that day.",
  },
  { path: "series[].revenue", definition: "revenue.total of events on that day (by event time)." },
  {
    path: "series[].uniqueClicks",
    definition: "clicks.unique whose first counted tap (per instance) is on that day.",
  },
  { path: "series[].failedToSend", definition: "delivery.failedToSend on that day (by attempt time)." },
  {
    path: "series[].segments",
    definition: "cost.segments of messages sent that day (by sent time).",
  },
  {
    path: "series[].cost",
    definition:
      "Exact cost of the messages sent that day, in cost.currency (the days sum to cost.total); null when cost.currency is null.",
  },
  {
    path: "series[].failedToDeliver",
    definition:
      "delivery.failedToDeliver on that day (by receipt time); a later delivery takes the user off the receipt's day.",
  },
  {
    path: "deliveryLatency.p50Seconds",
    definition:
      "Median sent→delivered latency: the upper bound of the fixed latency bucket (1 s … 7 d) holding the 50th percentile; null without deliveries.",
  },
  { path: "deliveryLatency.p90Seconds", definition: "90th percentile, as above." },
  { path: "deliveryLatency.p99Seconds", definition: "99th percentile, as above." },
  {
    path: "deliveryLatency.inTransitOver72h",
    definition: "Users still in transit whose message was sent more than 72 hours ago (by the sent hour).",
  },
  {
    path: "breakdowns.byCountry[].country",
    definition: "ISO 3166 country of the recipient's number (from libphonenumber-js at send time).",
  },
  { path: "breakdowns.byCountry[].sent", definition: "Sent users with numbers of that country." },
  { path: "breakdowns.byCountry[].delivered", definition: "Delivered users of that country." },
  {
    path: "breakdowns.byCountry[].failedToDeliver",
    definition: "Users of that country whose final receipt is a failure.",
  },
  { path: "breakdowns.byCountry[].clicks", definition: "Counted taps by users of that country." },
  { path: "breakdowns.byProvider[].provider", definition: "gupshup, kaleyra, sinch, custom or sandbox." },
  { path: "breakdowns.byProvider[].sent", definition: "Sent users through that provider." },
  { path: "breakdowns.byProvider[].delivered", definition: "Delivered users through that provider." },
  {
    path: "breakdowns.byProvider[].failedToDeliver",
    definition: "Users through that provider whose final receipt is a failure.",
  },
  {
    path: "breakdowns.byProvider[].clicks",
    definition: "Counted taps on messages sent through that provider.",
  },
  {
    path: "provisional.openWindows",
    definition:
      "Users whose conversion window may still be open (closes within the current hour or later): conversions may still grow.",
  },
  {
    path: "provisional.awaitingReceipt",
    definition: "Sent users still waiting for a final receipt: delivered and failed may still move.",
  },
  { path: "conversionsBySendDate[].date", definition: "An app-local day on which messages were sent." },
  {
    path: "conversionsBySendDate[].conversionEvents",
    definition: "Primary-goal conversion events of users whose message was sent that day.",
  },
  {
    path: "conversionsBySendDate[].conversions",
    definition: "Primary-goal converters (per instance) whose message was sent that day.",
  },
  {
    path: "experiment",
    definition:
      "The campaign's experiment (variants and/or a control group), or null when it sends one plain message to everyone. Arms are fixed per (campaign, user) by a keyed hash, the same in every instance.",
  },
  {
    path: "experiment.controlGroupPercent",
    definition:
      "Share of the campaign's users held back (never sent), percent 0–50; fixed once the campaign has sent.",
  },
  {
    path: "experiment.controlGroup.users",
    definition:
      "Control-group users: claimed by a sends request and held back, by the request's day. Their conversion window opens at the request's time, like a send without delivery tracking.",
  },
  {
    path: "experiment.controlGroup.conversions",
    definition:
      "Control-group users who completed the primary goal within their window (unique per instance).",
  },
  {
    path: "experiment.controlGroup.conversionRate",
    definition: "controlGroup.conversions ÷ controlGroup.users × 100, 2 decimals; null when no users.",
  },
  {
    path: "experiment.comparedWith",
    definition:
      '"controlGroup" when the campaign has a control group (each variant\'s uplift is over it), else "firstVariant" (each variant is compared with the first one, whose uplift is empty).',
  },
  { path: "experiment.variants[].variantId", definition: "The variant, as the sends request named it." },
  {
    path: "experiment.variants[].weight",
    definition: "Percent of the treated (non-control) users assigned to it.",
  },
  { path: "experiment.variants[].sent", definition: "delivery.sent of the variant's users." },
  { path: "experiment.variants[].delivered", definition: "delivery.delivered of the variant's users." },
  { path: "experiment.variants[].clicks", definition: "clicks.total of the variant's users." },
  { path: "experiment.variants[].uniqueClicks", definition: "clicks.unique of the variant's users." },
  {
    path: "experiment.variants[].conversionEvents",
    definition: "conversions.conversionEvents of the variant's users.",
  },
  {
    path: "experiment.variants[].conversions",
    definition: "conversions.conversions of the variant's users.",
  },
  {
    path: "experiment.variants[].conversionRate",
    definition:
      "conversions ÷ the variant's attribution base (delivered or sent) × 100, 2 decimals; null when 0.",
  },
  { path: "experiment.variants[].revenue", definition: "revenue.total of the variant's users." },
  {
    path: "experiment.variants[].uplift.absolute",
    definition:
      "The variant's conversion rate minus the reference's (control group, or first variant), in percentage points, 2 decimals; null when either base is 0.",
  },
  {
    path: "experiment.variants[].uplift.relative",
    definition:
      "uplift.absolute ÷ the reference's rate × 100, in percent, 2 decimals; null when the reference's rate is 0.",
  },
  {
    path: "experiment.variants[].uplift.pValue",
    definition:
      "Two-sided p-value of the pooled two-proportion z-test of the variant's conversions against the reference's (NIST e-Handbook §7.3.3; R prop.test without continuity correction); null when undefined (a base of 0, or both rates 0% or 100%).",
  },
  {
    path: "experiment.variants[].uplift.significant",
    definition: "pValue < 0.05. The dashboard marks a winner only when it is true.",
  },
  {
    path: "cost.segments",
    definition:
      "SMS segments of every message counted as sent, by sent day: the text exactly as sent (after personalisation and link shortening), split by GSM 03.38 (GSM-7 160/153 septets, extension characters 2; UCS-2 70/67 UTF-16 code units as soon as one character is outside GSM-7). Failed-to-deliver messages count (the provider accepted and billed them); failed-to-send and unknown-outcome ones do not.",
  },
  {
    path: "cost.currency",
    definition:
      "The currency the counted messages were priced in (the connector's pricing.currency at send time). With nothing sent: the app's currency. null when they were priced in several currencies, or none was priced.",
  },
  {
    path: "cost.total",
    definition:
      "Sum over sent messages of segments × the price per segment frozen when each was sent (pricing.byCountry of the number's country, else pricing.perSegment), exact — never rounded — with at least the currency's minor digits (e.g. \"0.0225\"). Segments without a price add nothing (see unpricedSegments). null when cost.currency is null.",
  },
  {
    path: "cost.perDelivered",
    definition:
      "total ÷ delivery.delivered, rounded half-even to the currency's minor digits + 4; null when delivered is 0, the currency is null or some segments are unpriced.",
  },
  {
    path: "cost.perConversion",
    definition:
      "total ÷ conversions.conversions (unique converters of the primary goal), rounded as perDelivered; null when there are none, the currency is null or some segments are unpriced.",
  },
  {
    path: "cost.returnOnSpend",
    definition:
      "revenue.total ÷ cost.total (return on spend: 3 means revenue was three times the cost), 2 decimals half-up; null unless the cost is in the app's currency (revenue's), every segment is priced, the campaign has a revenue goal and the cost is above 0.",
  },
  {
    path: "cost.unpricedSegments",
    definition:
      "Segments of sent messages whose connector had no pricing when they were sent: their cost is unknown.",
  },
  { path: "cost.byCurrency[].currency", definition: "A currency messages were priced in." },
  { path: "cost.byCurrency[].segments", definition: "Segments of sent messages priced in that currency." },
  { path: "cost.byCurrency[].total", definition: "Their exact cost in that currency." },
];

/** Every leaf path of a JSON value, arrays as `[]` (for checking the dictionary against a real response). */
export function leafPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) {
    return [...new Set(value.flatMap((v) => leafPaths(v, `${prefix}[]`)))];
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

/** The README section, in Markdown. */
export function dictionaryMarkdown(): string {
  const rows = metricDictionary.map((m) => `| \`${m.path}\` | ${m.definition.replaceAll("|", "\\|")} |`);
  return ["| field | definition |", "| --- | --- |", ...rows].join("\n");
}
