// "Sign in with GitHub": GitHub's OAuth web flow for the contest's pages, so reviewers and
// participants need no token by hand.
//
// /auth/github sends the browser to GitHub with a random state, and puts the same state in an
// HttpOnly, SameSite=Lax cookie scoped to /auth/github, valid 10 minutes; nothing is stored, so an
// anonymous request grows no table. GitHub sends the browser back to /auth/github/callback with a
// code and the state. The callback goes on only when the state is the browser's own cookie: a
// callback URL handed to another browser (login CSRF: a victim signed in as the attacker) fails
// there. The server exchanges the code (with the app's secret) for an access token, asks GitHub who
// that is, by login and numeric id, records the state as used (a replay fails), and starts a
// session for the account of that GitHub id (Contest.githubUser). The session token goes to the
// browser only as an HttpOnly, SameSite=Lax session cookie: never in a URL, a page or a log. The
// API takes the cookie as it takes a Bearer token; POST /api/session/logout ends the session.
// GitHub's access token is used once and dropped. Anonymous sign-in requests are rate-limited per
// client address.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { PgolfError } from "../core/error.js";
import type { App, AppEnv } from "./app.js";
import type { Contest } from "./contest.js";
import { rateLimit } from "./rate_limit.js";

export interface GitHubSignInOptions {
  clientId: string;
  clientSecret: string;
  /** GitHub's web address (default https://github.com; GitHub Enterprise or a test server). */
  webUrl?: string;
  /** GitHub's API address (default https://api.github.com). */
  apiUrl?: string;
  /** This server's public address for the callback (default: from the request's Host). */
  publicUrl?: string;
  /** Session length, days. */
  sessionDays?: number;
}

/** How long a sign-in may take between leaving for GitHub and coming back, seconds. */
export const OAUTH_STATE_SECONDS = 600;
/** The cookie that holds the state of a sign-in in progress, and the one that holds a session. */
export const STATE_COOKIE = "pgolf_oauth_state";
export const SESSION_COOKIE = "pgolf_session";

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

function redirect(c: Context, location: string): Response {
  return c.body(null, 302, { location, "cache-control": "no-store", "referrer-policy": "no-referrer" });
}

/** Answers a failed sign-in on the sign-in page (its script shows the reason from the fragment). */
function failed(c: Context, why: string): Response {
  deleteCookie(c, STATE_COOKIE, { path: "/auth/github" });
  return redirect(c, `/signin#error=${encodeURIComponent(why)}`);
}

const secure = (c: Context) => new URL(c.req.url).protocol === "https:";

/** Sets the session cookie (HttpOnly, SameSite=Lax, the whole site, as long as the session). */
export function setSessionCookie(c: Context, token: string, days: number): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: "Lax", path: "/", maxAge: days * 86400, secure: secure(c) });
}

export function mountGitHubSignIn(app: App, contest: Contest, o: GitHubSignInOptions): void {
  const web = (o.webUrl ?? "https://github.com").replace(/\/+$/, "");
  const api = (o.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const callbackUrl = (c: Context) => `${(o.publicUrl ?? `http://${c.req.header("host") ?? "localhost"}`).replace(/\/+$/, "")}/auth/github/callback`;
  const limited = rateLimit({ perMinute: 60, what: "sign-in requests" });

  /** Exchanges the code for GitHub's access token and asks GitHub whose it is: login and numeric id. */
  async function githubIdentity(code: string, redirectUri: string): Promise<{ login: string; id: number | null }> {
    const t = await fetch(`${web}/login/oauth/access_token`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ client_id: o.clientId, client_secret: o.clientSecret, code, redirect_uri: redirectUri }),
      signal: AbortSignal.timeout(15_000),
    });
    const tj = (await t.json().catch(() => null)) as { access_token?: string; error?: string } | null;
    if (!t.ok || !tj?.access_token) throw new PgolfError("HTTP_UNAUTHORIZED", `GitHub refused the sign-in code (${tj?.error ?? `HTTP ${t.status}`})`, { fix: "sign in again" });
    const u = await fetch(`${api}/user`, { headers: { authorization: `Bearer ${tj.access_token}`, accept: "application/vnd.github+json" }, signal: AbortSignal.timeout(15_000) });
    const uj = (await u.json().catch(() => null)) as { login?: string; id?: number } | null;
    if (!u.ok || typeof uj?.login !== "string") throw new PgolfError("HTTP_UNAUTHORIZED", `GitHub did not say who signed in (HTTP ${u.status})`, { fix: "sign in again" });
    return { login: uj.login, id: Number.isSafeInteger(uj.id) && uj.id! > 0 ? uj.id! : null };
  }

  app.get("/auth/github", limited, (c) => {
    const state = randomBytes(24).toString("hex");
    setCookie(c, STATE_COOKIE, state, { httpOnly: true, sameSite: "Lax", path: "/auth/github", maxAge: OAUTH_STATE_SECONDS, secure: secure(c) });
    const to = new URL(`${web}/login/oauth/authorize`);
    to.searchParams.set("client_id", o.clientId);
    to.searchParams.set("redirect_uri", callbackUrl(c));
    to.searchParams.set("state", state);
    to.searchParams.set("allow_signup", "false");
    return redirect(c, to.toString());
  });

  app.get("/auth/github/callback", limited, async (c: Context<AppEnv>) => {
    const code = c.req.query("code") ?? "";
    const state = c.req.query("state") ?? "";
    const mine = getCookie(c, STATE_COOKIE) ?? "";
    // the state must be this browser's own: a callback URL opened in another browser signs nobody in
    if (!state || state.length !== mine.length || !timingSafeEqual(Buffer.from(state), Buffer.from(mine))) return failed(c, "this sign-in was not started in this browser (or it expired); start again");
    if ((await contest.db.query(`SELECT 1 FROM oauth_states WHERE state_sha256 = $1`, [sha(state)])).rows.length > 0) return failed(c, "the sign-in was already used; start again");
    if (!code) return failed(c, c.req.query("error_description") ?? "GitHub sent no code");
    try {
      const who = await githubIdentity(code, callbackUrl(c));
      // used once: only a real exchange records a state, so anonymous requests add no rows
      const fresh = await contest.db.query(`INSERT INTO oauth_states (state_sha256) VALUES ($1) ON CONFLICT DO NOTHING`, [sha(state)]);
      if (fresh.affectedRows === 0) return failed(c, "the sign-in was already used; start again");
      await contest.db.query(`DELETE FROM oauth_states WHERE created_at < now() - make_interval(secs => $1)`, [OAUTH_STATE_SECONDS * 2]);
      const user = await contest.accounts.githubUser(who);
      const days = o.sessionDays ?? 7;
      const token = await contest.accounts.startSession(user, "github", days);
      deleteCookie(c, STATE_COOKIE, { path: "/auth/github" });
      setSessionCookie(c, token, days);
      return redirect(c, "/signin#signed-in");
    } catch (e) {
      return failed(c, e instanceof PgolfError ? e.message : "GitHub could not be reached");
    }
  });
}
