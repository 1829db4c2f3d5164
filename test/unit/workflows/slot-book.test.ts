import { describe, expect, it } from 'vitest';
import type { SlotRequest } from '../../../src/contract/index.js';
import { SlotBookFullError } from '../../../src/errors.js';
import { MAX_SLOT_HOLDERS, MAX_SLOT_WAITERS, acquire, emptyBook, holderCount, invite, nextInviteExpiry, reclaim, reclaimDue, release, saturated, viewOf } from '../../../src/workflows/slot-book.js';

const ask = (holder: string, limit = 2, chain = `${holder}-run1`): SlotRequest => ({ holder, chain, limit, reclaimCheckMs: 1_000, maxHistoryEvents: 500 });

describe('provisioning slot book', () => {
  it('grants at most `limit` slots however many ask, and queues the rest once each, in order', () => {
    const book = emptyBook();
    const granted = Array.from({ length: 1000 }, (_, i) => acquire(book, ask(`h${i}`, 3), 0)).filter(Boolean).length;
    expect(granted).toBe(3);
    expect(holderCount(book)).toBe(3);
    expect(book.maxHolders).toBe(3);
    expect(acquire(book, ask('h10', 3), 0)).toBe(false); // asking again does not queue twice
    expect(book.waiters).toHaveLength(997);
    expect(book.waiters.slice(0, 2)).toEqual(['h3', 'h4']);
  });

  it('grants a holder asking again (activity retry, continue-as-new) without taking a second slot', () => {
    const book = emptyBook();
    expect(acquire(book, ask('a'), 0)).toBe(true);
    expect(acquire(book, ask('a'), 1)).toBe(true);
    expect(holderCount(book)).toBe(1);
  });

  it('passes the slot to a recreated host with the same id (another chain): the old one ended', () => {
    const book = emptyBook();
    acquire(book, ask('a', 1), 0);
    expect(acquire(book, ask('a', 1, 'a-run2'), 1)).toBe(true);
    expect(viewOf(book).holders).toEqual([{ holder: 'a', chain: 'a-run2' }]);
  });

  it('wakes only as many waiters as slots freed, keeps the slot for them until the invite expires', () => {
    const book = emptyBook();
    for (const h of ['a', 'b', 'c', 'd', 'e']) acquire(book, ask(h), 0);
    expect(invite(book, 0, 100)).toEqual([]); // all slots held
    expect(release(book, 'a')).toBe(true);
    expect(invite(book, 10, 100)).toEqual(['c']);
    expect(invite(book, 20, 100)).toEqual([]); // the free slot is kept for c
    expect(acquire(book, ask('newcomer'), 20)).toBe(false); // no queue jumping past a kept slot
    expect(acquire(book, ask('c'), 30)).toBe(true);
    expect(book.invites).toEqual({});
    expect(book.waiters).toEqual(['d', 'e', 'newcomer']);
  });

  it('passes a kept slot on when the woken waiter does not come in time', () => {
    const book = emptyBook();
    for (const h of ['a', 'b', 'c', 'd']) acquire(book, ask(h), 0);
    release(book, 'a');
    expect(invite(book, 0, 100)).toEqual(['c']);
    expect(nextInviteExpiry(book)).toBe(100);
    expect(invite(book, 100, 100)).toEqual(['d']);
    expect(acquire(book, ask('c'), 150)).toBe(false); // too late: queued again, behind
    expect(book.waiters).toEqual(['c']);
  });

  it('release also ends a wait; releasing what is not held frees nothing', () => {
    const book = emptyBook();
    acquire(book, ask('a', 1), 0);
    acquire(book, ask('b', 1), 0);
    expect(release(book, 'b')).toBe(false);
    expect(book.waiters).toEqual([]);
    expect(release(book, 'nobody')).toBe(false);
  });

  it('reclaims the slots of ended holders and counts them; checks only while saturated', () => {
    const book = emptyBook();
    acquire(book, ask('a', 1), 0);
    expect(saturated(book)).toBe(false); // nobody waits: no describe calls
    acquire(book, ask('b', 1), 0);
    expect(saturated(book)).toBe(true);
    expect(reclaim(book, ['a', 'gone-already'])).toBe(1);
    expect(book.reclaimed).toBe(1);
    expect(invite(book, 0, 100)).toEqual(['b']);
    expect(saturated(book)).toBe(false);
  });

  it('a lowered limit grants nothing until holders drop below it', () => {
    const book = emptyBook();
    acquire(book, ask('a', 2), 0);
    acquire(book, ask('b', 2), 0);
    expect(acquire(book, ask('c', 1), 0)).toBe(false);
    release(book, 'a');
    expect(invite(book, 0, 100)).toEqual([]);
    release(book, 'b');
    expect(invite(book, 0, 100)).toEqual(['c']);
  });

  it('records a forced entry (a deleted host deprovisioning) even above the limit, and counts it', () => {
    const book = emptyBook();
    acquire(book, ask('a', 1), 0);
    expect(acquire(book, { ...ask('deleted', 1), force: true }, 0)).toBe(true);
    expect(holderCount(book)).toBe(2); // only forced entries push holders above the limit (BMO counts them too)
    expect(acquire(book, ask('b', 1), 0)).toBe(false);
    release(book, 'a');
    expect(invite(book, 0, 100)).toEqual([]); // the forced holder still counts
    release(book, 'deleted');
    expect(invite(book, 0, 100)).toEqual(['b']);
  });

  it(`refuses to queue more than ${MAX_SLOT_WAITERS} waiters or record more than ${MAX_SLOT_HOLDERS} holders (typed)`, () => {
    const book = emptyBook();
    acquire(book, ask('a', 1), 0);
    book.waiters = Array.from({ length: MAX_SLOT_WAITERS }, (_, i) => `w${i}`);
    expect(() => acquire(book, ask('one-too-many', 1), 0)).toThrow(SlotBookFullError);
    expect(acquire(book, ask('w5', 1), 0)).toBe(false); // a waiter asking again is still fine
    const full = emptyBook();
    for (let i = 0; i < MAX_SLOT_HOLDERS; i += 1) full.holders[`h${i}`] = { chain: 'c', since: 0 };
    expect(() => acquire(full, { ...ask('forced', 1), force: true }, 0)).toThrow(SlotBookFullError);
  });

  it('keeps the time of the last holder check across continue-as-new (the book carries it)', () => {
    const book = emptyBook();
    book.reclaimCheckMs = 1_000;
    expect(reclaimDue(book, 0)).toBe(false); // a new semaphore waits one interval first
    expect(reclaimDue(book, 999)).toBe(false);
    expect(reclaimDue(book, 1_000)).toBe(true);
    const carried = JSON.parse(JSON.stringify(book)) as typeof book; // continue-as-new input
    expect(reclaimDue(carried, 1_500)).toBe(false);
    expect(reclaimDue(carried, 2_000)).toBe(true); // not pushed back by the new run
  });
});
