// A browser's cookies, for tests that walk a sign-in with fetch: cookies the server sets are kept
// and sent back on every later request (paths and expiry are not modelled: tests need only that a
// cookie set by one answer goes out with the next request, as a browser would send it).
export class CookieJar {
  readonly cookies = new Map<string, string>();
  /** Set-Cookie headers received, as sent. */
  readonly setCookies: string[] = [];

  header(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }

  async get(url: string): Promise<Response> {
    const res = await fetch(url, { redirect: "manual", headers: this.header() });
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }
}
