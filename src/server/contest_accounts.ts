// The contest's accounts: participants, reviewers, admins and workers, each with a role and a token
// (only its sha256 is stored); sign-in sessions, sign out, token rotation and revocation; and the
// account of a GitHub identity, keyed by GitHub's numeric id.
import { createHash, randomBytes } from "node:crypto";
import { PgolfError } from "../core/error.js";
import { audit } from "./contest_audit.js";
import { ContestPart } from "./contest_part.js";

/** Account roles; workers (verification machines) lease jobs and report results. */
export type Role = "participant" | "reviewer" | "admin" | "worker";
export type ReviewAction = "approve" | "reject" | "request-changes";

export interface User {
  id: number;
  handle: string;
  role: Role;
}

export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class Accounts extends ContestPart {
  /** A new account; the token is returned once and only its sha256 is stored. */
  async addUser(handle: string, role: Role, actor = "system", githubLogin: string | null = null): Promise<{ user: User; token: string }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/.test(handle)) throw new PgolfError("HTTP_BAD_REQUEST", `"${handle}" is not a valid handle`, { fix: "letters, digits, - and _, up to 39 characters, as on GitHub" });
    if (githubLogin !== null && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(githubLogin)) throw new PgolfError("HTTP_BAD_REQUEST", `"${githubLogin}" is not a GitHub login`, { fix: "the account's login on GitHub, e.g. octocat" });
    const taken = await this.db.query(`SELECT 1 FROM users WHERE lower(handle) = lower($1) OR lower(github_login) = lower($2)`, [handle, githubLogin]);
    if (taken.rows.length > 0) throw new PgolfError("HTTP_CONFLICT", `the handle ${handle}${githubLogin ? ` or the GitHub login ${githubLogin}` : ""} is taken`, { fix: "choose another handle, or give the GitHub login to the account that has it" });
    const token = `pg_${randomBytes(24).toString("hex")}`;
    const user = await this.db.transaction(async (tx) => {
      const r = await tx.query<User>(`INSERT INTO users (handle, role, token_sha256, github_login) VALUES ($1, $2, $3, $4) RETURNING id, handle, role`, [handle, role, tokenHash(token), githubLogin]);
      await audit(tx, actor, "user.add", `user:${handle}`, { role, ...(githubLogin ? { github_login: githubLogin } : {}) });
      return r.rows[0];
    });
    return { user, token };
  }

  /**
   * The account a request acts for: an `Authorization: Bearer` token (an account's, or a sign-in
   * session's), else the session cookie the GitHub sign-in set (github_signin.ts).
   */
  async authenticate(authorization: string | undefined, sessionCookie?: string): Promise<User> {
    const m = /^Bearer (\S+)$/.exec(authorization ?? "");
    const token = m?.[1] ?? sessionCookie;
    if (!token) throw new PgolfError("HTTP_UNAUTHORIZED", "no token: send Authorization: Bearer <token>, or sign in", { fix: "ask the organizers for an account token, or sign in with GitHub" });
    // an account token, or the token of an unexpired sign-in session
    const r = await this.db.query<User>(
      `SELECT id, handle, role FROM users WHERE token_sha256 = $1
       UNION ALL SELECT u.id, u.handle, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = $1 AND s.expires_at > now()`,
      [tokenHash(token)],
    );
    if (r.rows.length === 0) throw new PgolfError("HTTP_UNAUTHORIZED", "the token is not valid (or its sign-in expired, was signed out, or was revoked)", { fix: "check the token, sign in again, or ask for a new one" });
    return r.rows[0];
  }

  /** A sign-in session for an account, valid `days`; the token is returned once, its sha256 stored. */
  async startSession(user: User, via: string, days = 7): Promise<string> {
    const token = `pg_${randomBytes(24).toString("hex")}`;
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO sessions (token_sha256, user_id, via, expires_at) VALUES ($1, $2, $3, now() + make_interval(days => $4))`, [tokenHash(token), user.id, via, days]);
      await tx.query(`DELETE FROM sessions WHERE expires_at < now()`);
      await audit(tx, user.handle, "session.start", `user:${user.handle}`, { via, days });
    });
    return token;
  }

  /** Signs a session out: its token stops working at once. False when the token is not a session's (an account token is rotated instead). */
  async endSession(user: User, token: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query(`DELETE FROM sessions WHERE token_sha256 = $1 AND user_id = $2`, [tokenHash(token), user.id]);
      if (r.affectedRows === 0) return false;
      await audit(tx, user.handle, "session.end", `user:${user.handle}`);
      return true;
    });
  }

  /** A new account token for the caller (the first admin's too); the old one stops working. Returned once. */
  async rotateToken(user: User): Promise<string> {
    const token = `pg_${randomBytes(24).toString("hex")}`;
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE users SET token_sha256 = $2 WHERE id = $1`, [user.id, tokenHash(token)]);
      await audit(tx, user.handle, "token.rotate", `user:${user.handle}`);
    });
    return token;
  }

  /** Admins: an account's token and every sign-in session of it stop working. */
  async revokeToken(admin: User, handle: string): Promise<void> {
    this.requireRole(admin, ["admin"]);
    await this.db.transaction(async (tx) => {
      const u = (await tx.query<{ id: number; handle: string }>(`SELECT id, handle FROM users WHERE lower(handle) = lower($1)`, [handle])).rows[0];
      if (!u) throw new PgolfError("HTTP_NOT_FOUND", `no account ${JSON.stringify(handle)}`, { fix: "check the handle on /admin's account list" });
      await tx.query(`UPDATE users SET token_sha256 = NULL WHERE id = $1`, [u.id]);
      await tx.query(`DELETE FROM sessions WHERE user_id = $1`, [u.id]);
      await audit(tx, admin.handle, "token.revoke", `user:${u.handle}`);
    });
  }

  requireRole(user: User, roles: Role[]): void {
    if (!roles.includes(user.role)) throw new PgolfError("HTTP_FORBIDDEN", `${user.handle} is a ${user.role}; this needs ${roles.join(" or ")}`, { fix: "sign in with an account of that role, or ask an admin to give yours the role" });
  }

  /**
   * The account of a GitHub identity, keyed by GitHub's numeric user id, which never changes (a
   * login can be renamed and taken by someone else): the account bound to the id; else an account an
   * admin made for the login and not yet bound, which is bound now; else a new participant account.
   * A login whose account is bound to another id is stale (renamed away): it is released, and the
   * newcomer gets an account of their own, never the old one. Without an id (an old webhook), the
   * login alone finds an account, and a new one is made unbound.
   */
  async githubUser(who: { login: string; id: number | null }): Promise<User> {
    const { login, id } = who;
    return this.db.transaction(async (tx) => {
      if (id !== null) {
        const bound = await tx.query<User & { github_login: string | null }>(`SELECT id, handle, role, github_login FROM users WHERE github_id = $1`, [id]);
        if (bound.rows.length > 0) {
          const u = bound.rows[0];
          if ((u.github_login ?? "").toLowerCase() !== login.toLowerCase()) {
            await tx.query(`UPDATE users SET github_login = NULL WHERE lower(github_login) = lower($1) AND id <> $2`, [login, u.id]);
            await tx.query(`UPDATE users SET github_login = $2 WHERE id = $1`, [u.id, login]);
            await audit(tx, "github", "user.github_login", `user:${u.handle}`, { github_id: id, from: u.github_login, to: login });
          }
          return { id: u.id, handle: u.handle, role: u.role };
        }
      }
      const named = (await tx.query<User & { github_id: string | null }>(`SELECT id, handle, role, github_id FROM users WHERE lower(github_login) = lower($1)`, [login])).rows[0];
      if (named && (id === null || named.github_id === null)) {
        if (id !== null) {
          await tx.query(`UPDATE users SET github_id = $2 WHERE id = $1`, [named.id, id]);
          await audit(tx, "github", "user.github_bind", `user:${named.handle}`, { github_login: login, github_id: id });
        }
        return { id: named.id, handle: named.handle, role: named.role };
      }
      if (named) {
        // the login now belongs to someone else on GitHub: the old account keeps its id, not the login
        await tx.query(`UPDATE users SET github_login = NULL WHERE id = $1`, [named.id]);
        await audit(tx, "github", "user.github_login", `user:${named.handle}`, { github_id: Number(named.github_id), from: login, to: null, reason: "the login was taken by another GitHub account" });
      }
      const free = async (h: string) => (await tx.query(`SELECT 1 FROM users WHERE lower(handle) = lower($1)`, [h])).rows.length === 0;
      let handle = login.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 30) || "github-user";
      for (let i = 2; !(await free(handle)); i++) handle = `${handle.replace(/-gh\d+$/, "")}-gh${i}`;
      const r = await tx.query<User>(`INSERT INTO users (handle, role, github_login, github_id) VALUES ($1, 'participant', $2, $3) RETURNING id, handle, role`, [handle, login, id]);
      await audit(tx, "github", "user.add", `user:${handle}`, { github_login: login, github_id: id });
      return r.rows[0];
    });
  }

  /** True when the contest has an admin account (for bootstrapping the first one). */
  async hasAdmin(): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM users WHERE role = 'admin' LIMIT 1`)).rows.length > 0;
  }
}
