import { describe, expect, it } from 'vitest';
import { MAX_HOST_NOTES, appendNote } from '../../../src/workflows/notes.js';

describe('host notes', () => {
  it('keeps the newest MAX_HOST_NOTES and no immediate repeats', () => {
    const notes: string[] = [];
    for (let i = 0; i < MAX_HOST_NOTES + 5; i++) appendNote(notes, `n${i}`);
    expect(notes).toHaveLength(MAX_HOST_NOTES);
    expect(notes[0]).toBe('n5');
    expect(appendNote(notes, `n${MAX_HOST_NOTES + 4}`)).toBe(false);
    expect(notes).toHaveLength(MAX_HOST_NOTES);
  });
});
