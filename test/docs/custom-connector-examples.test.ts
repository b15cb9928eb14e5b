/**
 * The examples of docs/custom-connector.md are checked against the real code, so the guide cannot
 * drift from it. Fenced blocks are found by their info string:
 * - `json sample`: the recipient every request is rendered for (an OutgoingSms);
 * - `json connector <name>`: a connector body, validated by the real zod schema (`connectorInput`);
 * - `http request <name>`: what `renderRequest` must produce for it (request line, headers, body);
 * - `http receipt <name>`: a raw receipt request, parsed by the real `parseReceipts` with that connector;
 * - `json parsed <name>`: what the i-th receipt of <name> must parse to.
 */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseQuery, splitUrl } from "../../lambdas/local/http-event.js";
import { parseReceipts, renderRequest } from "../../lambdas/providers/custom.js";
import type { CustomConfig, OutgoingSms, ReceiptRequest } from "../../lambdas/providers/types.js";
import { connectorInput } from "../../lambdas/schemas/connector.js";

const GUIDE = readFileSync(new URL("../../docs/custom-connector.md", import.meta.url), "utf8");

interface Block {
  /** Words of the info string, e.g. ["json", "connector", "vonage"]. */
  info: string[];
  text: string;
  /** 1-based line of the opening fence, for failure messages. */
  line: number;
}

/**
 * Fenced code blocks per CommonMark §4.5: an opening fence of 3+ backticks indented at most 3 spaces,
 * closed by a fence of the same character at least as long with nothing but spaces after it.
 */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,})([^`]*)$/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,})\s*$/.exec(lines[j] as string);
      if (close && (close[1] as string).length >= fence.length) break;
      body.push(lines[j] as string);
    }
    blocks.push({
      info: (open[2] as string).trim().split(/\s+/).filter(Boolean),
      text: body.join("\n"),
      line: i + 1,
    });
    i = j;
  }
  return blocks;
}

function tagged(kind: string, tag: string): Array<Block & { name: string }> {
  return fencedBlocks(GUIDE)
    .filter((b) => b.info[0] === kind && b.info[1] === tag)
    .map((b) => ({ ...b, name: b.info[2] ?? "" }));
}

interface HttpMessage {
  startLine: string;
  headers: Array<[string, string]>;
  body: string;
}

/** A request as written in the guide: start line, `Name: value` lines, a blank line, the body. */
function httpMessage(text: string): HttpMessage {
  const lines = text.split("\n");
  const blank = lines.indexOf("");
  const head = blank < 0 ? lines : lines.slice(0, blank);
  const headers = head.slice(1).map((l): [string, string] => {
    const colon = l.indexOf(":");
    return [l.slice(0, colon).trim(), l.slice(colon + 1).trim()];
  });
  return { startLine: head[0] ?? "", headers, body: blank < 0 ? "" : lines.slice(blank + 1).join("\n") };
}

/** A receipt as the webhook hands it to the parser: query decoded as the local server and API Gateway do. */
function receiptRequest(text: string): { request: ReceiptRequest; path: string } {
  const msg = httpMessage(text);
  const [method, target] = msg.startLine.split(" ");
  const { rawPath, rawQueryString } = splitUrl(target ?? "");
  const headers: Record<string, string> = {};
  for (const [k, v] of msg.headers) headers[k.toLowerCase()] = v;
  return {
    request: { method: method ?? "", query: parseQuery(rawQueryString) ?? {}, headers, body: msg.body },
    path: rawPath,
  };
}

const connectors = tagged("json", "connector");
const requests = tagged("http", "request");
const receipts = tagged("http", "receipt");
const parsedBlocks = tagged("json", "parsed");
const sampleBlocks = tagged("json", "sample");

const sample = JSON.parse(sampleBlocks[0]?.text ?? "null") as OutgoingSms;
const webhookBase = "https://sms-analytics.example.com/webhooks/dlr";

function customConfig(block: Block): { config: CustomConfig; deliveryTracking: boolean } {
  const result = connectorInput.safeParse(JSON.parse(block.text));
  if (!result.success) throw new Error(`line ${block.line}: ${JSON.stringify(result.error.issues)}`);
  const input = result.data;
  if (input.provider !== "custom") throw new Error(`line ${block.line}: not a custom connector`);
  return { config: input.custom, deliveryTracking: input.deliveryTracking };
}

describe("docs/custom-connector.md examples", () => {
  it("has one sample recipient, three tracked worked examples, and a rendered request for every connector", () => {
    expect(sampleBlocks).toHaveLength(1);
    expect(sample.messageId).toMatch(/^m[A-Za-z0-9_-]{26}$/);
    const names = connectors.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const tracked = connectors.filter((c) => customConfig(c).deliveryTracking).map((c) => c.name);
    expect(tracked.length).toBeGreaterThanOrEqual(3);
    expect(requests.map((r) => r.name).sort()).toEqual([...names].sort());
    for (const name of tracked) expect(receipts.some((r) => r.name === name)).toBe(true);
    for (const r of [...receipts, ...parsedBlocks]) expect(names).toContain(r.name);
  });

  for (const block of connectors) {
    describe(`connector "${block.name}" (line ${block.line})`, () => {
      it("is a valid connector body", () => {
        expect(() => customConfig(block)).not.toThrow();
      });

      it("renders exactly the request the guide shows", () => {
        const { config } = customConfig(block);
        const rendered = renderRequest(config, sample);
        if (!rendered.ok) throw new Error(`missing ${rendered.missing.join(", ")}`);
        const shown = requests.find((r) => r.name === block.name);
        const msg = httpMessage(shown?.text ?? "");
        const [method, url, ...rest] = msg.startLine.split(" ");
        expect(rest).toEqual([]);
        expect({
          method,
          url,
          headers: Object.fromEntries(msg.headers),
          body: msg.body || undefined,
        }).toEqual({
          method: rendered.request.method,
          url: rendered.request.url,
          headers: rendered.request.headers,
          body: rendered.request.body,
        });
      });

      const mine = receipts.filter((r) => r.name === block.name);
      const expected = parsedBlocks.filter((p) => p.name === block.name);
      if (mine.length === 0) return;

      it("names its own webhook URL in the request it renders", () => {
        const { config } = customConfig(block);
        const rendered = renderRequest(config, sample);
        if (!rendered.ok) throw new Error("render failed");
        const sent = `${rendered.request.url}\n${rendered.request.body ?? ""}`;
        // Written as is in a JSON body, percent-encoded in a form body or a URL.
        const url = `${webhookBase}/${block.name}/`;
        expect(sent.includes(url) || sent.includes(encodeURIComponent(url))).toBe(true);
      });

      it("has a parse result for every sample receipt", () => {
        expect(expected).toHaveLength(mine.length);
      });

      mine.forEach((receiptBlock, i) => {
        it(`parses sample receipt ${i + 1} (line ${receiptBlock.line}) as the guide shows`, () => {
          const { config } = customConfig(block);
          const { request, path } = receiptRequest(receiptBlock.text);
          expect(path).toMatch(new RegExp(`^/webhooks/dlr/${block.name}/[A-Za-z0-9_-]{43}$`));
          const result = parseReceipts(request, config);
          expect(result.ignored).toBe(0);
          const view = result.receipts.map((r) => ({
            id: r.ref.kind === "ours" ? r.ref.messageId : r.ref.providerMessageId,
            alsoTriedAsGatewayId: r.fallbackRef?.kind === "provider",
            status: r.status,
            code: r.code,
            description: r.description,
            time: r.operatorTimeMs === null ? null : new Date(r.operatorTimeMs).toISOString(),
            ...(r.unmappedStatus !== undefined ? { unmappedStatus: r.unmappedStatus } : {}),
          }));
          expect(view).toEqual(JSON.parse(expected[i]?.text ?? "null"));
          // The receipt names the sample message: by our id, or by the gateway's id the send answer gave.
          for (const v of view) {
            if (v.id !== sample.messageId) expect(config.response?.messageIdPointer).toBeDefined();
          }
        });
      });
    });
  }
});
