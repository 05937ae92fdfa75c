// SPDX-License-Identifier: EUPL-1.2
//
// Check local HTML files with axe-core in Debian's headless Chromium.
//
// Usage: node tests/a11y/check.mjs FILE.html [FILE.html ...]
//
// Prints one JSON object on stdout: {"<absolute path>": [violation, ...], ...}, where each
// violation is axe-core's result object (id, impact, tags, description, help, helpUrl, nodes).
// Exit code 0 when the check ran (whatever it found), 2 on a usage error, 1 on any other failure.
//
// Environment:
//   MAGCORE_CHROMIUM   browser binary (default /usr/bin/chromium)
//   MAGCORE_AXE_TAGS   comma-separated axe tags (default wcag2a,wcag2aa,wcag21a,wcag21aa,wcag22aa)

import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve("axe-core/axe.min.js");

const DEFAULT_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

function fail(code, message) {
  process.stderr.write(`check.mjs: ${message}\n`);
  process.exit(code);
}

async function main(argv) {
  const files = argv.map((p) => resolve(p));
  if (files.length === 0) {
    fail(2, "usage: node check.mjs FILE.html [FILE.html ...]");
  }
  for (const file of files) {
    if (!existsSync(file)) {
      fail(2, `no such file: ${file}`);
    }
  }
  const executablePath = process.env.MAGCORE_CHROMIUM || "/usr/bin/chromium";
  const tags = (process.env.MAGCORE_AXE_TAGS || DEFAULT_TAGS.join(","))
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);

  // A fresh, empty profile for every run, removed afterwards.
  const userDataDir = mkdtempSync(join(tmpdir(), "magcore-axe-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    // The pages under test are local files: keep the check offline and repeatable.
    await context.route(/^(https?|wss?|ftp):/, (route) => route.abort());

    const results = {};
    for (const file of files) {
      const page = await context.newPage();
      try {
        await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
        await page.addScriptTag({ path: AXE_SOURCE });
        const violations = await page.evaluate(async (runTags) => {
          // eslint-disable-next-line no-undef
          const result = await axe.run(document, {
            runOnly: { type: "tag", values: runTags },
            resultTypes: ["violations"],
          });
          return result.violations;
        }, tags);
        results[file] = violations;
      } finally {
        await page.close();
      }
    }
    process.stdout.write(JSON.stringify(results) + "\n");
  } finally {
    if (context) {
      await context.close();
    }
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err) => {
  fail(1, err && err.stack ? err.stack : String(err));
});
