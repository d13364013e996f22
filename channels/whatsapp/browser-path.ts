import { existsSync } from "node:fs";
import { WarmlineError } from "../../src/domain/errors.js";

/** Where Chrome/Chromium usually lives, per platform, in the order we try them. */
export const WHATSAPP_BROWSER_CANDIDATES: Record<"linux" | "darwin" | "win32", readonly string[]> = {
  linux: [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/snap/bin/chromium",
  ],
  darwin: ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "/Applications/Chromium.app/Contents/MacOS/Chromium"],
  win32: ["C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe"],
};

/** Environment variables that name a browser, in priority order. */
const BROWSER_ENV_VARS = ["CHROME_PATH", "PUPPETEER_EXECUTABLE_PATH"] as const;

export interface FindBrowserOptions {
  /** `whatsapp.browserPath` from the config. */
  configured?: string;
  /** Browser variables as loadEnv read them (CHROME_PATH, PUPPETEER_EXECUTABLE_PATH); only the config module reads process.env. */
  env?: Record<string, string | undefined>;
  exists?: (path: string) => boolean;
  platform?: NodeJS.Platform;
}

const INSTALL_HINT: Record<string, string> = {
  linux: "install one with `sudo apt-get install chromium` (or your distribution's chromium package)",
  darwin: "install Google Chrome from https://www.google.com/chrome/ (or `brew install --cask chromium`)",
  win32: "install Google Chrome from https://www.google.com/chrome/",
};

/**
 * The Chrome/Chromium executable whatsapp-web.js should drive: the configured path, then
 * CHROME_PATH / PUPPETEER_EXECUTABLE_PATH, then the usual install locations.
 * Puppeteer's own download is disabled in this project, so a system browser is required.
 */
export function findBrowser(options: FindBrowserOptions = {}): string {
  const exists = options.exists ?? existsSync;
  const env = options.env ?? {};
  const platform = options.platform ?? process.platform;

  if (options.configured !== undefined && options.configured.trim() !== "") {
    if (exists(options.configured)) return options.configured;
    throw new WarmlineError(
      "browser_not_found",
      `whatsapp.browserPath is "${options.configured}", but no file exists there: ` +
        "fix the path in warmline.config.json (e.g. `which chromium`), or remove it to let Warmline search the usual places.",
    );
  }

  for (const name of BROWSER_ENV_VARS) {
    const path = env[name];
    if (path === undefined || path.trim() === "") continue;
    if (exists(path)) return path;
    throw new WarmlineError(
      "browser_not_found",
      `${name} is "${path}", but no file exists there: point it at a Chrome/Chromium executable or unset it.`,
    );
  }

  const candidates = WHATSAPP_BROWSER_CANDIDATES[platform as keyof typeof WHATSAPP_BROWSER_CANDIDATES] ?? [];
  const found = candidates.find((path) => exists(path));
  if (found) return found;

  const hint = INSTALL_HINT[platform] ?? "install Chrome or Chromium";
  throw new WarmlineError(
    "browser_not_found",
    `No Chrome or Chromium found for WhatsApp Web${candidates.length ? ` (looked in ${candidates.join(", ")})` : ""}: ` +
      `${hint}, or set whatsapp.browserPath in warmline.config.json or CHROME_PATH to its executable.`,
  );
}
