// GitHub webhooks in: a delivery is a POST whose raw body is signed with the shared secret
// (X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256(secret, body)), named by X-GitHub-Delivery (a
// GUID, the same on a redelivery) and typed by X-GitHub-Event. The handler reads the body under a size
// limit, checks the signature with @octokit/webhooks (constant time), records the delivery id and the
// body's hash (a replay is answered but not acted on), answers 202 at once and hands pull_request
// opened/synchronize/reopened events, typed by @octokit/webhooks, to deps.onPullRequest in the
// background. Everything it needs comes in through `deps`: no database here.
//
// Hand-written here, for reasons: Octokit's node middleware (createNodeMiddleware) reads the whole
// body with no size limit, has no replay check, and answers only after the handlers finish; a hostile
// sender could make it buffer any size of body, and GitHub's 10 s delivery timeout would count our
// intake's downloads. So the body is read here under a cap, and only the signature check and the
// payload's types are Octokit's.
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Webhooks, type EmitterWebhookEvent } from "@octokit/webhooks";
import { PgolfError } from "../core/error.js";

export const DEFAULT_MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;
/** pull_request actions that (re)start the intake of a pull request's head commit. */
export const INTAKE_ACTIONS: ReadonlySet<string> = new Set(["opened", "synchronize", "reopened"]);

type Headers = IncomingHttpHeaders | Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = (headers as Record<string, string | string[] | undefined>)[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The signature header GitHub would send for `rawBody` (a UTF-8 JSON text, as GitHub's bodies are). */
export async function signBody(rawBody: Buffer | string, secret: string): Promise<string> {
  return new Webhooks({ secret }).sign(rawBody.toString());
}

/**
 * Rejects with GITHUB_SIGNATURE unless X-Hub-Signature-256 is the HMAC-SHA256 of rawBody under
 * secret. A body that is not valid UTF-8 cannot match: GitHub signs JSON text, and the check is over
 * the text.
 */
export async function verifyWebhook(rawBody: Buffer, headers: Headers, secret: string): Promise<void> {
  if (!secret) throw new PgolfError("GITHUB_SIGNATURE", "no webhook secret is configured", { fix: "set the webhook secret of the server to the one entered in the GitHub webhook settings" });
  const sig = header(headers, "x-hub-signature-256");
  if (sig === undefined) {
    const legacy = header(headers, "x-hub-signature") !== undefined;
    throw new PgolfError("GITHUB_SIGNATURE", legacy ? "only a sha1 signature (X-Hub-Signature) was sent; sha256 is required" : "the delivery has no X-Hub-Signature-256 header", {
      fix: "set a secret in the GitHub webhook settings so that GitHub signs deliveries",
    });
  }
  if (!/^sha256=[0-9a-f]{64}$/i.test(sig.trim())) throw new PgolfError("GITHUB_SIGNATURE", "X-Hub-Signature-256 is not of the form sha256=<64 hex digits>", { fix: "send deliveries as GitHub does: X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body, hex>", details: { algorithm: sig.split("=")[0] } });
  const text = rawBody.toString("utf8");
  const valid = Buffer.byteLength(text) === rawBody.length && (await new Webhooks({ secret }).verify(text, sig.trim().toLowerCase()));
  if (!valid) {
    throw new PgolfError("GITHUB_SIGNATURE", "X-Hub-Signature-256 does not match the body", { fix: "check that the server's webhook secret is the one set in the GitHub webhook settings" });
  }
}

export interface Delivery {
  deliveryId: string;
  event: string;
  payload: Record<string, unknown>;
}

/** The delivery id, event name and JSON payload; GITHUB_DELIVERY when one is missing or malformed. */
export function parseDelivery(headers: Headers, rawBody: Buffer): Delivery {
  const deliveryId = header(headers, "x-github-delivery")?.trim();
  const event = header(headers, "x-github-event")?.trim();
  if (!deliveryId || !/^[A-Za-z0-9-]{1,100}$/.test(deliveryId)) throw new PgolfError("GITHUB_DELIVERY", "X-GitHub-Delivery is missing or malformed", { fix: "send deliveries as GitHub does, with an X-GitHub-Delivery id" });
  if (!event || !/^[a-z_]{1,60}$/.test(event)) throw new PgolfError("GITHUB_DELIVERY", "X-GitHub-Event is missing or malformed", { fix: "send deliveries as GitHub does, with an X-GitHub-Event name" });
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString("utf8"));
  } catch (e) {
    throw new PgolfError("GITHUB_DELIVERY", `the body is not JSON: ${(e as Error).message}`, { fix: "set the webhook's content type to application/json", cause: e });
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new PgolfError("GITHUB_DELIVERY", "the body is not a JSON object", { fix: "send deliveries as GitHub does: the webhook's content type must be application/json" });
  return { deliveryId, event, payload: payload as Record<string, unknown> };
}

/** What the intake needs to know about a pull_request delivery. */
export interface PullRequestEvent {
  deliveryId: string;
  action: string;
  /** "owner/name" of the base repository (where the record would be merged). */
  repo: string;
  number: number;
  headSha: string;
  headRef: string | null;
  /** "owner/name" of the head repository (a fork), when given. */
  headRepo: string | null;
  baseRef: string | null;
  /** GitHub login of the pull request's author, and GitHub's numeric id of that account (null when the payload has none). */
  author: string;
  authorId: number | null;
  title: string | null;
  htmlUrl: string | null;
}

/** A pull_request delivery's payload as @octokit/webhooks types it; every field is still checked, since a sender's fields are only as good as its checks. */
type PullRequestPayload = EmitterWebhookEvent<"pull_request">["payload"];

const obj = (v: unknown): Record<string, any> => (typeof v === "object" && v !== null ? (v as Record<string, any>) : {});
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** The event of a pull_request payload; GITHUB_DELIVERY when a needed field is missing. */
export function pullRequestEvent(d: Delivery): PullRequestEvent {
  const p = d.payload as Partial<PullRequestPayload>;
  const pr = obj(p.pull_request);
  const repo = str(obj(p.repository).full_name);
  const number = typeof p.number === "number" ? p.number : pr.number;
  const headSha = str(obj(pr.head).sha);
  const author = str(obj(pr.user).login);
  const bad = (what: string) => new PgolfError("GITHUB_DELIVERY", `pull_request payload has no valid ${what}`, { fix: "send pull_request deliveries as GitHub does; set the webhook's content type to application/json", details: { deliveryId: d.deliveryId } });
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) throw bad("repository.full_name");
  if (!Number.isSafeInteger(number) || number <= 0) throw bad("number");
  if (!headSha || !/^[0-9a-f]{40}$/i.test(headSha)) throw bad("pull_request.head.sha");
  if (!author) throw bad("pull_request.user.login");
  return {
    deliveryId: d.deliveryId,
    action: String(p.action ?? ""),
    repo,
    number,
    headSha: headSha.toLowerCase(),
    headRef: str(obj(pr.head).ref),
    headRepo: str(obj(obj(pr.head).repo).full_name),
    baseRef: str(obj(pr.base).ref),
    author,
    authorId: Number.isSafeInteger(obj(pr.user).id) && obj(pr.user).id > 0 ? (obj(pr.user).id as number) : null,
    title: str(pr.title),
    htmlUrl: str(pr.html_url),
  };
}

export interface WebhookDeps {
  secret: string;
  /** Records the delivery by its id and its body's sha256; resolves true when either was recorded before (a replay). Must be atomic (INSERT ... ON CONFLICT DO NOTHING). */
  seenDelivery(deliveryId: string, bodySha256: string): Promise<boolean>;
  /** Starts the intake of a pull request; runs after the 202 is sent. Should itself be idempotent per (repo, number, headSha). */
  onPullRequest(event: PullRequestEvent): Promise<void>;
  /** Errors of onPullRequest and of bad deliveries (default: console.error). */
  onError?(error: unknown, context: { deliveryId?: string; stage: "verify" | "record" | "intake" }): void;
  maxBodyBytes?: number;
}

export type WebhookHandler = ((req: IncomingMessage, res: ServerResponse) => Promise<void>) & {
  /** Resolves when every intake started so far has finished (for shutdown and tests). */
  settled(): Promise<void>;
};

function reply(res: ServerResponse, status: number, message: string, close = false): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ message });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...(close ? { connection: "close" } : {}) });
  res.end(body);
}

/** Reads the body; resolves null (after answering 413) when it passes maxBytes. */
function readBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    const tooLarge = () => {
      reply(res, 413, `body exceeds ${maxBytes} bytes`, true);
      res.once("finish", () => req.destroy());
      resolve(null);
    };
    if (Number.isFinite(declared) && declared > maxBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBytes) {
        done = true;
        req.pause();
        return tooLarge();
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.on("error", (e) => {
      if (!done) reject(e);
    });
  });
}

/** A node:http request listener for GitHub webhook deliveries (POST only). */
export function webhookHandler(deps: WebhookDeps): WebhookHandler {
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BYTES;
  const onError = deps.onError ?? ((e: unknown, ctx: { deliveryId?: string; stage: string }) => console.error(`github webhook ${ctx.stage} ${ctx.deliveryId ?? ""}:`, e instanceof PgolfError ? e.describe() : e));
  const running = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return reply(res, 405, "webhooks are POSTed");
    }
    let raw: Buffer | null;
    try {
      raw = await readBody(req, res, maxBytes);
    } catch {
      return reply(res, 400, "the body could not be read");
    }
    if (raw === null) return;
    let delivery: Delivery;
    try {
      await verifyWebhook(raw, req.headers, deps.secret);
      delivery = parseDelivery(req.headers, raw);
    } catch (e) {
      onError(e, { stage: "verify" });
      const code = e instanceof PgolfError && e.code === "GITHUB_SIGNATURE" ? 401 : 400;
      return reply(res, code, e instanceof PgolfError ? `PGOLF_${e.code}: ${e.message}` : "bad delivery");
    }
    if (delivery.event !== "pull_request" || !INTAKE_ACTIONS.has(String(delivery.payload.action))) {
      res.writeHead(204).end();
      return;
    }
    let event: PullRequestEvent;
    try {
      event = pullRequestEvent(delivery);
    } catch (e) {
      onError(e, { deliveryId: delivery.deliveryId, stage: "verify" });
      return reply(res, 400, `PGOLF_${(e as PgolfError).code}: ${(e as Error).message}`);
    }
    let seen: boolean;
    try {
      // a delivery is known by its id and by its signed body: a captured body sent again under a new id is the same delivery
      seen = await deps.seenDelivery(delivery.deliveryId, createHash("sha256").update(raw).digest("hex"));
    } catch (e) {
      // Not recorded: GitHub shows the failure and the delivery can be redelivered.
      onError(e, { deliveryId: delivery.deliveryId, stage: "record" });
      return reply(res, 500, "the delivery could not be recorded");
    }
    if (seen) return reply(res, 200, `delivery ${delivery.deliveryId} was handled already`);
    reply(res, 202, `pull request ${event.repo}#${event.number} at ${event.headSha.slice(0, 12)} queued`);
    const task = Promise.resolve()
      .then(() => deps.onPullRequest(event))
      .catch((e) => onError(e, { deliveryId: delivery.deliveryId, stage: "intake" }))
      .finally(() => running.delete(task));
    running.add(task);
  };

  return Object.assign(handle, {
    settled: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
  });
}
