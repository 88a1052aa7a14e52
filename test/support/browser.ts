// A real headless browser for tests of pages: Debian's chromium driven by playwright-core (no
// browser download). PGOLF_CHROMIUM names another binary.
import * as fs from "node:fs";
import type { Browser } from "playwright-core";

export const CHROMIUM = [process.env.PGOLF_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && fs.existsSync(p));

/** Why browser tests skip here, or undefined when chromium is installed. */
export const NO_CHROMIUM = CHROMIUM ? undefined : "chromium not found (apt-get install chromium, or set PGOLF_CHROMIUM)";

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}
