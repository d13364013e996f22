import { describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import { findBrowser } from "../../channels/whatsapp/browser-path.js";

const existing =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

function browserError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(isWarmlineError(err, "browser_not_found")).toBe(true);
    return err as Error;
  }
  throw new Error("expected browser_not_found");
}

describe("findBrowser", () => {
  it("uses the configured path first", () => {
    const found = findBrowser({
      configured: "/opt/chrome/chrome",
      env: { CHROME_PATH: "/usr/local/bin/chrome" },
      exists: existing("/opt/chrome/chrome", "/usr/local/bin/chrome", "/usr/bin/chromium"),
      platform: "linux",
    });
    expect(found).toBe("/opt/chrome/chrome");
  });

  it("says a configured path that does not exist is wrong, instead of searching", () => {
    const err = browserError(() => findBrowser({ configured: "/opt/nope", exists: existing("/usr/bin/chromium"), platform: "linux" }));
    expect(err.message).toContain('whatsapp.browserPath is "/opt/nope"');
    expect(err.message).toContain("no file exists there");
  });

  it("then CHROME_PATH, then PUPPETEER_EXECUTABLE_PATH", () => {
    const exists = existing("/a/chrome", "/b/chrome", "/usr/bin/chromium");
    expect(findBrowser({ env: { CHROME_PATH: "/a/chrome", PUPPETEER_EXECUTABLE_PATH: "/b/chrome" }, exists, platform: "linux" })).toBe(
      "/a/chrome",
    );
    expect(findBrowser({ env: { PUPPETEER_EXECUTABLE_PATH: "/b/chrome" }, exists, platform: "linux" })).toBe("/b/chrome");
  });

  it("reports an environment variable that points nowhere", () => {
    const err = browserError(() =>
      findBrowser({ env: { CHROME_PATH: "/gone" }, exists: existing("/usr/bin/chromium"), platform: "linux" }),
    );
    expect(err.message).toContain('CHROME_PATH is "/gone"');
  });

  it.each([
    ["linux", "/usr/bin/chromium-browser"],
    ["linux", "/usr/bin/google-chrome-stable"],
    ["linux", "/snap/bin/chromium"],
    ["darwin", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
    ["darwin", "/Applications/Chromium.app/Contents/MacOS/Chromium"],
    ["win32", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"],
  ] as const)("finds the usual %s install at %s", (platform, path) => {
    expect(findBrowser({ env: {}, exists: existing(path), platform })).toBe(path);
  });

  it("prefers chromium over chrome on Linux", () => {
    expect(findBrowser({ exists: existing("/usr/bin/google-chrome", "/usr/bin/chromium"), platform: "linux" })).toBe("/usr/bin/chromium");
  });

  it("explains how to install one when none is found", () => {
    const err = browserError(() => findBrowser({ env: {}, exists: () => false, platform: "linux" }));
    expect(err.message).toContain("sudo apt-get install chromium");
    expect(err.message).toContain("whatsapp.browserPath");
    expect(err.message).toContain("CHROME_PATH");
    expect(browserError(() => findBrowser({ exists: () => false, platform: "darwin" })).message).toContain("Google Chrome");
  });
});
