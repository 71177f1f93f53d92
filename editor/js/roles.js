// What the signed-in person's role lets the editor offer. The API checks the
// same roles on every request; this only hides what would be refused.
import { session } from './api.js';

const ORDER = ['PREVIEW', 'EDITOR', 'REVIEWER', 'ADMIN'];

/** Whether the signed-in person holds at least `role`. */
export function can(role) {
  const held = session.person?.role;
  return held !== undefined && ORDER.indexOf(held) >= ORDER.indexOf(role);
}

export const canEdit = () => can('EDITOR');
export const canReview = () => can('REVIEWER');
export const isAdmin = () => can('ADMIN');
