/**
 * Agent tokens exactly as Ironic hands them out (conductor/utils.py add_secret_token,
 * manager.py get_node_with_token): one random token per agent boot, revealed on the first lookup
 * only ("******" afterwards), required on every heartbeat and command, wiped on reboot/teardown.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const MASKED_TOKEN = '******';

export class AgentTokens {
  private readonly tokens = new Map<string, { token: string; revealed: boolean }>();

  /** The token for the host's current boot: the real one the first time, masked afterwards. */
  reveal(hostId: string): string {
    let entry = this.tokens.get(hostId);
    if (!entry) {
      entry = { token: randomBytes(32).toString('base64url'), revealed: false }; // 43 chars, like secrets.token_urlsafe()
      this.tokens.set(hostId, entry);
    }
    if (entry.revealed) return MASKED_TOKEN;
    entry.revealed = true;
    return entry.token;
  }

  verify(hostId: string, token: unknown): boolean {
    const entry = this.tokens.get(hostId);
    if (!entry || typeof token !== 'string' || token.length !== entry.token.length) return false;
    return timingSafeEqual(Buffer.from(token), Buffer.from(entry.token));
  }

  /** For the agent client: the token to send with commands (undefined before any lookup). */
  current(hostId: string): string | undefined {
    return this.tokens.get(hostId)?.token;
  }

  /** On reboot or teardown: the next boot gets a new token. */
  wipe(hostId: string): void {
    this.tokens.delete(hostId);
  }
}
