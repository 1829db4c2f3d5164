/**
 * The provisioning semaphore's bookkeeping, pure (no Temporal): who holds a slot, who waits in
 * which order, and which waiters were told a slot is free for them. The semaphore workflow calls
 * these from its update handlers, one at a time, so `holders` never exceeds `limit`.
 */
import type { ProvisioningSemaphoreView, SlotBookState, SlotHolder, SlotRequest } from '../contract/index.js';
import { SlotBookFullError } from '../errors.js';

/** Hosts queued at once (far above any fleet one task queue drives); beyond it an ask is refused, typed. */
export const MAX_SLOT_WAITERS = 100_000;
/** Holders recorded at once (the limit plus forced entries: deleted hosts deprovisioning); beyond it refused. */
export const MAX_SLOT_HOLDERS = 100_000;

export function emptyBook(): SlotBookState {
  return { limit: 0, holders: {}, waiters: [], invites: {}, reclaimCheckMs: 60_000, maxHistoryEvents: 2_000, maxHolders: 0, reclaimed: 0 };
}

export function holderCount(book: SlotBookState): number {
  return Object.keys(book.holders).length;
}

/** Slots kept for woken waiters other than `except`. */
function keptFor(book: SlotBookState, except: string): number {
  return Object.keys(book.invites).filter((w) => w !== except).length;
}

function dropWaiter(book: SlotBookState, holder: string): void {
  book.waiters = book.waiters.filter((w) => w !== holder);
  delete book.invites[holder];
}

/**
 * Grants a slot if one is free (not kept for another woken waiter), else queues the asker once.
 * Asking again while holding is granted (activity retries, a host that continued as new); the same
 * id with another chain is a recreated host: the old chain ended, the slot passes to the new one.
 */
export function acquire(book: SlotBookState, req: SlotRequest, now: number): boolean {
  book.limit = req.limit;
  book.reclaimCheckMs = req.reclaimCheckMs;
  book.maxHistoryEvents = req.maxHistoryEvents;
  const held = book.holders[req.holder];
  if (held) {
    held.chain = req.chain;
    return true;
  }
  const free = book.limit - holderCount(book) - keptFor(book, req.holder);
  if (req.force === true || free > 0) {
    // A forced entry (a host already entering a busy state) is counted, never refused: it may push holders above the limit, as BMO's count does.
    if (holderCount(book) >= MAX_SLOT_HOLDERS) throw new SlotBookFullError('too many provisioning slot holders', { holders: holderCount(book), max: MAX_SLOT_HOLDERS });
    dropWaiter(book, req.holder);
    book.holders[req.holder] = { chain: req.chain, since: now };
    book.maxHolders = Math.max(book.maxHolders, holderCount(book));
    return true;
  }
  // Not granted: an expired or unused invite is the asker's no more; it waits its turn again.
  delete book.invites[req.holder];
  if (!book.waiters.includes(req.holder)) {
    if (book.waiters.length >= MAX_SLOT_WAITERS) throw new SlotBookFullError('too many hosts waiting for a provisioning slot', { waiters: book.waiters.length, max: MAX_SLOT_WAITERS });
    book.waiters.push(req.holder);
  }
  return false;
}

/** The holder gives its slot back, or a waiter gives up waiting; true when a slot was freed. */
export function release(book: SlotBookState, holder: string): boolean {
  dropWaiter(book, holder);
  if (!book.holders[holder]) return false;
  delete book.holders[holder];
  return true;
}

/** Takes back the slots of holders that ended without releasing (the semaphore checked them). */
export function reclaim(book: SlotBookState, ended: readonly string[]): number {
  let n = 0;
  for (const holder of ended) if (release(book, holder)) n += 1;
  book.reclaimed += n;
  return n;
}

/**
 * Expires invites whose time passed, then wakes the next waiters, as many as slots are free and
 * not kept: returns whom to tell (each gets its slot kept for `ttlMs`, as it may no longer want
 * one). 1000 waiters never cause 1000 wake-ups for one free slot.
 */
export function invite(book: SlotBookState, now: number, ttlMs: number): string[] {
  for (const [w, until] of Object.entries(book.invites)) if (until <= now) delete book.invites[w];
  const woken: string[] = [];
  while (book.waiters.length > 0 && holderCount(book) + Object.keys(book.invites).length < book.limit) {
    const next = book.waiters.shift() as string;
    book.invites[next] = now + ttlMs;
    woken.push(next);
  }
  return woken;
}

/** When the earliest kept slot must be passed on, if any is kept. */
export function nextInviteExpiry(book: SlotBookState): number | undefined {
  const times = Object.values(book.invites);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * Whether the holder check is due (one interval after the last, or after the book was started);
 * stamps the check. The time lives in the book so continue-as-new does not push the check back.
 */
export function reclaimDue(book: SlotBookState, now: number): boolean {
  book.lastReclaimCheck ??= now;
  if (now - book.lastReclaimCheck < book.reclaimCheckMs) return false;
  book.lastReclaimCheck = now;
  return true;
}

/** Hosts wait and every slot is held: only then is it worth checking whether a holder ended. */
export function saturated(book: SlotBookState): boolean {
  return book.waiters.length > 0 && holderCount(book) >= book.limit;
}

/** The holders with when each got its slot, for the holder check. */
export function holdersToCheck(book: SlotBookState): SlotHolder[] {
  return Object.entries(book.holders).map(([holder, h]) => ({ holder, chain: h.chain, since: h.since }));
}

export function viewOf(book: SlotBookState): ProvisioningSemaphoreView {
  return {
    limit: book.limit,
    holders: Object.entries(book.holders).map(([holder, h]) => ({ holder, chain: h.chain })),
    waiters: [...book.waiters],
    invited: Object.keys(book.invites),
    maxHolders: book.maxHolders,
    reclaimed: book.reclaimed,
  };
}
