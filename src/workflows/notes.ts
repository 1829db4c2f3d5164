/** A host's notes: what BMO would publish as events about its annotations (pure, bounded). */

/** Notes a host keeps; older ones are dropped. */
export const MAX_HOST_NOTES = 20;

/** Appends `text` unless it repeats the last note; keeps the newest `max`. Returns whether it was added. */
export function appendNote(notes: string[], text: string, max = MAX_HOST_NOTES): boolean {
  if (notes[notes.length - 1] === text) return false;
  notes.push(text);
  if (notes.length > max) notes.splice(0, notes.length - max);
  return true;
}
