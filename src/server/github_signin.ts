// "Sign in with GitHub": GitHub's OAuth web flow for the contest's pages, so reviewers and
// participants need no token by hand. /auth/github sends the browser to GitHub with a one-time
// state (its sha256 kept for 10 minutes); GitHub sends it back to /auth/github/callback with a code,
// which the server exchanges (with the app's secret) for an access token, asks GitHub who that is,
// and starts a session for the account with that GitHub login: an account an admin made with the
// login (a reviewer, say), else a participant account made on first sight, as pull-request intake
// does. The session token goes to the browser in the URL fragment of /signin (never sent to a
// server, not in logs), where the page keeps it like a pasted token. GitHub's access token is
// used once and dropped.
import { createHash, randomBytes } from "node:crypto";
import type { Context } from "hono";
import { PgolfError } from "../core/error.js";
import type { App } from "./app.js";
import type { Contest } from "./contest.js";

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

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

function redirect(c: Context, location: string): Response {
  return c.body(null, 302, { location, "cache-control": "no-store", "referrer-policy": "no-referrer" });
}

/** Answers a failed sign-in on the sign-in page (its script shows the reason from the fragment). */
function failed(c: Context, why: string): Response {
  return redirect(c, `/signin#error=${encodeURIComponent(why)}`);
}

export function mountGitHubSignIn(app: App, contest: Contest, o: GitHubSignInOptions): void {
  const web = (o.webUrl ?? "https://github.com").replace(/\/+$/, "");
  const api = (o.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const callbackUrl = (c: Context) => `${(o.publicUrl ?? `http://${c.req.header("host") ?? "localhost"}`).replace(/\/+$/, "")}/auth/github/callback`;

  /** Exchanges the code for GitHub's access token and asks GitHub whose it is. */
  async function githubLogin(code: string, redirectUri: string): Promise<string> {
    const t = await fetch(`${web}/login/oauth/access_token`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ client_id: o.clientId, client_secret: o.clientSecret, code, redirect_uri: redirectUri }),
      signal: AbortSignal.timeout(15_000),
    });
    const tj = (await t.json().catch(() => null)) as { access_token?: string; error?: string } | null;
    if (!t.ok || !tj?.access_token) throw new PgolfError("HTTP_UNAUTHORIZED", `GitHub refused the sign-in code (${tj?.error ?? `HTTP ${t.status}`})`, { fix: "sign in again" });
    const u = await fetch(`${api}/user`, { headers: { authorization: `Bearer ${tj.access_token}`, accept: "application/vnd.github+json" }, signal: AbortSignal.timeout(15_000) });
    const uj = (await u.json().catch(() => null)) as { login?: string } | null;
    if (!u.ok || typeof uj?.login !== "string") throw new PgolfError("HTTP_UNAUTHORIZED", `GitHub did not say who signed in (HTTP ${u.status})`, { fix: "sign in again" });
    return uj.login;
  }

  app.get("/auth/github", async (c) => {
    const state = randomBytes(24).toString("hex");
    await contest.db.query(`DELETE FROM oauth_states WHERE created_at < now() - make_interval(secs => $1)`, [OAUTH_STATE_SECONDS]);
    await contest.db.query(`INSERT INTO oauth_states (state_sha256) VALUES ($1)`, [sha(state)]);
    const to = new URL(`${web}/login/oauth/authorize`);
    to.searchParams.set("client_id", o.clientId);
    to.searchParams.set("redirect_uri", callbackUrl(c));
    to.searchParams.set("state", state);
    to.searchParams.set("allow_signup", "false");
    return redirect(c, to.toString());
  });
  app.get("/auth/github/callback", async (c) => {
    const code = c.req.query("code") ?? "";
    const state = c.req.query("state") ?? "";
    // the state is used once and only within its time: a replayed or forged callback fails
    const ok = await contest.db.query(`DELETE FROM oauth_states WHERE state_sha256 = $1 AND created_at > now() - make_interval(secs => $2) RETURNING 1`, [sha(state), OAUTH_STATE_SECONDS]);
    if (!state || ok.rows.length === 0) return failed(c, "the sign-in expired or was already used; start again");
    if (!code) return failed(c, c.req.query("error_description") ?? "GitHub sent no code");
    try {
      const login = await githubLogin(code, callbackUrl(c));
      const user = await contest.githubUser(login);
      const token = await contest.startSession(user, "github", o.sessionDays ?? 7);
      return redirect(c, `/signin#token=${token}`);
    } catch (e) {
      return failed(c, e instanceof PgolfError ? e.message : "GitHub could not be reached");
    }
  });
}
