// The govc extension in a real VS Code (code-server, started by run.sh) driven by Chromium, as a
// user meets it: a wrong `govc.path`, then the fixes a user makes. The steps run in order, in
// one browser session:
//
//   1. govc.path names a file that does not exist: one error, naming the path, with the hint;
//   2. the file appears and "govc: Restart the language server" is run: the server starts and
//      its diagnostics show (before the fix, the restart threw "Client is not running");
//   3. govc.path is changed to a binary that exits at once: its own message, with the path and
//      the hint, and no generic "crashed" messages;
//   4. govc.path is set back: the server starts again and its diagnostics show.
//
// Needs CODE_SERVER_URL, GOVC and E2E_DIR (the workspace is $E2E_DIR/workspace).

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, symlinkSync, writeFileSync, chmodSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const url = process.env.CODE_SERVER_URL;
const govc = process.env.GOVC;
const workspace = join(process.env.E2E_DIR ?? "", "workspace");
const here = dirname(fileURLToPath(import.meta.url));
const missing = join(workspace, "bin", "govc");
const broken = join(workspace, "bin", "broken-govc");
const BROKEN_SAYS = "govc: error: this build of govc has no language server";

/** Sets govc.path in the workspace's settings, as the settings editor would. */
function setPath(path) {
  writeFileSync(join(workspace, ".vscode", "settings.json"), JSON.stringify({ "govc.path": path }, null, 2));
}

/** Polls `probe` until it returns a truthy value; fails with `what` (and what `context` says)
 * after `ms`. */
async function eventually(what, probe, ms = 60000, context = undefined) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out: ${what}${context ? `; ${await context()}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test("the govc extension in code-server", { timeout: 300000 }, async (t) => {
  mkdirSync(join(workspace, "bin"), { recursive: true });
  copyFileSync(join(here, "..", "..", "testdata", "main.gov"), join(workspace, "main.gov"));
  writeFileSync(broken, `#!/bin/sh\necho "${BROKEN_SAYS}" >&2\nexit 2\n`);
  chmodSync(broken, 0o755);
  setPath(missing);

  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 120000 });
  // The text of every notification shown, even one that hides again before it is looked at
  // (the toasts' elements are reused, so a changed text counts as a new one).
  await page.evaluate(() => {
    window.__messages = [];
    const last = new WeakMap();
    const record = () => {
      for (const node of document.querySelectorAll(".notification-list-item-message")) {
        const text = node.textContent ?? "";
        if (last.get(node) !== text) {
          last.set(node, text);
          if (!window.__messages.includes(text)) {
            window.__messages.push(text);
          }
        }
      }
    };
    new MutationObserver(record).observe(document.body, { childList: true, subtree: true, characterData: true });
    record();
  });
  /** Every distinct notification text seen so far, in order. */
  const messages = () => page.evaluate(() => window.__messages.slice());
  const problems = () => page.locator("#status\\.problems").getAttribute("aria-label");
  const command = async (title) => {
    await page.keyboard.press("F1");
    await page.locator(".quick-input-widget input").fill(`>${title}`);
    await page.locator(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`).first().waitFor();
    await page.keyboard.press("Enter");
  };
  const screenshot = (name) => page.screenshot({ path: join(process.env.E2E_DIR, `${name}.png`) });
  /** The notifications VS Code holds (its Notification Center lists each one once). */
  const center = async () => {
    await command("Notifications: Show Notifications");
    const list = page.locator(".notifications-center .notification-list-item-message");
    await list.first().waitFor();
    const texts = await list.allInnerTexts();
    await command("Notifications: Hide Notifications");
    return texts;
  };

  await t.test("a missing govc.path gives one message with the path and a hint", async () => {
    await page.keyboard.press("Control+P");
    await page.locator(".quick-input-widget input").fill("main.gov");
    await page.locator('.quick-input-list .monaco-list-row[aria-label*="main.gov"]').first().waitFor();
    await page.keyboard.press("Enter");
    const shown = await eventually("an error about the missing server", async () =>
      (await messages()).find((m) => m.includes(missing)),
    );
    await screenshot("1-missing");
    assert.match(shown, /could not be run \(no such file was found\)/);
    assert.match(shown, /Set govc\.path to the govc executable/);
    const held = await center();
    assert.equal(held.filter((m) => m.includes("govc")).length, 1, JSON.stringify(held));
  });

  await t.test("after the binary appears, the restart command starts the server", async () => {
    symlinkSync(govc, missing);
    const before = (await messages()).length;
    await command("govc: Restart the language server");
    const label = await eventually("govc's diagnostic in the Problems count", async () => {
      const l = await problems();
      return l && /Errors: 1/.test(l) ? l : undefined;
    });
    await screenshot("2-restarted");
    assert.match(label, /Errors: 1/);
    const after = (await messages()).slice(before);
    assert.deepEqual(after.filter((m) => /govc|Client is not running/.test(m)), []);
  });

  await t.test("a binary that exits at once shows its own message, the path and a hint", async () => {
    const before = (await messages()).length;
    setPath(broken);
    const shown = await eventually(
      "the broken binary's message",
      async () => (await messages()).slice(before).find((m) => m.includes(BROKEN_SAYS)),
      60000,
      async () => `notifications so far: ${JSON.stringify(await messages())}`,
    );
    await screenshot("3-exits-at-once");
    assert.match(shown, new RegExp(`"${broken} lsp"`));
    assert.match(shown, /exited with code 2/);
    assert.match(shown, /Set govc\.path to the govc executable/);
    // Give a client that restarts the server time to do so, and to complain.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = (await messages()).slice(before);
    assert.deepEqual(after.filter((m) => /crashed|couldn't create connection/.test(m)), []);
    const held = await center();
    assert.equal(held.filter((m) => m.includes(BROKEN_SAYS)).length, 1, JSON.stringify(held));
    assert.deepEqual(held.filter((m) => /crashed|couldn't create connection/.test(m)), []);
    await eventually("the old server's diagnostics cleared", async () => (await problems()) === "No Problems");
  });

  await t.test("fixing govc.path starts the server again", async () => {
    setPath(missing);
    await eventually("govc's diagnostic in the Problems count", async () => /Errors: 1/.test((await problems()) ?? ""));
    await screenshot("4-fixed");
  });
});
