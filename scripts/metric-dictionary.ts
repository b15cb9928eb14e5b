/** Writes the metric dictionary into README.md between its markers (`npm run docs:metrics`). */
import { readFileSync, writeFileSync } from "node:fs";
import { dictionaryMarkdown } from "../lambdas/domain/metric-dictionary.js";

const START = "<!-- metrics:start -->";
const END = "<!-- metrics:end -->";
const readme = readFileSync("README.md", "utf8");
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a === -1 || b === -1) throw new Error(`README.md needs ${START} and ${END}`);
writeFileSync(
  "README.md",
  `${readme.slice(0, a + START.length)}\n${dictionaryMarkdown()}\n${readme.slice(b)}`,
);
console.log("README.md: metric dictionary updated");
