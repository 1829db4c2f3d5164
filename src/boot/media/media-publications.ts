/**
 * Per-boot URLs of agent ISOs, like Ironic's temporary URLs: a random token names the file, valid
 * until its host's session ends, a newer publication of the host replaces it, or a TTL passes; then
 * the file is let go (onEnd). Lookups go by the token's hash, so no comparison of the secret itself
 * leaks its prefix through timing, and nothing of the request ever becomes a file-system path.
 */
import { createHash, randomBytes } from 'node:crypto';

/** How long a published ISO URL stays valid: the BMC reads the ISO while the agent boots. */
export const AGENT_MEDIA_TTL_MS = 60 * 60 * 1000;
/** Random bytes in a token (base64url in the URL). */
export const MEDIA_TOKEN_BYTES = 32;
/** The file name at the end of the URL: some BMCs want an `.iso` suffix. */
export const MEDIA_FILE_NAME = 'agent.iso';

export const mediaPath = (token: string): string => `/media/${token}/${MEDIA_FILE_NAME}`;

export interface MediaOwner {
  uuid: string;
  session: string;
}

interface Publication extends MediaOwner {
  key: string;
  file: string;
  expiresAt: number;
  timer: NodeJS.Timeout;
  onEnd?: () => unknown;
}

export interface MediaPublicationsOptions {
  ttlMs?: number;
  now?: () => number;
  log?: (level: 'warn', message: string) => void;
}

const TOKEN = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((MEDIA_TOKEN_BYTES * 4) / 3)}}$`);

export class MediaPublications {
  private readonly byKey = new Map<string, Publication>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: MediaPublicationsOptions = {}) {
    this.ttlMs = opts.ttlMs ?? AGENT_MEDIA_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Publishes `file` for one host's boot; returns the token. An earlier publication of the host ends. */
  publish(owner: MediaOwner, file: string, onEnd?: () => unknown): string {
    for (const p of [...this.byKey.values()]) if (p.uuid === owner.uuid) void this.end(p);
    const token = randomBytes(MEDIA_TOKEN_BYTES).toString('base64url');
    const key = hash(token);
    // The timer only frees the file on time; resolve() checks the clock itself.
    const timer = setTimeout(() => void this.sweep(), this.ttlMs + 1000);
    timer.unref();
    this.byKey.set(key, { ...owner, key, file, expiresAt: this.now() + this.ttlMs, timer, ...(onEnd ? { onEnd } : {}) });
    return token;
  }

  /** The file a token names, while it is valid. */
  resolve(token: string): string | undefined {
    if (!TOKEN.test(token)) return undefined;
    const p = this.byKey.get(hash(token));
    return p && this.now() < p.expiresAt ? p.file : undefined;
  }

  /** Ends the host's publication of that session (endAgent). */
  async revoke(uuid: string, session: string): Promise<void> {
    for (const p of [...this.byKey.values()]) if (p.uuid === uuid && p.session === session) await this.end(p);
  }

  /** Ends expired publications. */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const p of [...this.byKey.values()]) if (now >= p.expiresAt) await this.end(p);
  }

  /** Stops the timers (worker shutdown); files are the cache's to remove. */
  close(): void {
    for (const p of this.byKey.values()) clearTimeout(p.timer);
    this.byKey.clear();
  }

  private async end(p: Publication): Promise<void> {
    if (this.byKey.get(p.key) !== p) return;
    this.byKey.delete(p.key);
    clearTimeout(p.timer);
    try {
      await p.onEnd?.();
    } catch (err) {
      this.opts.log?.('warn', `agent media of ${p.uuid}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');
