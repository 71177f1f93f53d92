// Live word of other people's changes to the documents on screen. Live updates
// are a help, not a need: when the socket fails the editor carries on without
// them, retrying a few times with growing pauses.
import { subscribe } from './api.js';

const QUERY = `subscription($ids: [ID!]) {
  contentChanged(ids: $ids, stage: DRAFT) { id documentId documentType action version actorName occurredAt }
}`;

const MAX_RETRIES = 5;
/** A socket that stayed up this long was healthy: its next failure starts the count again. */
const HEALTHY_MS = 60000;

/** Calls `onChange({documentId, documentType, action, version, actorName, occurredAt})`
 *  for every draft change to these ids; returns a function that stops watching. */
export function watchDocument(ids, onChange) {
  let stopSocket = null;
  let timer = null;
  let stopped = false;
  let failures = 0;
  let openedAt = 0;

  const connect = () => {
    openedAt = Date.now();
    let failed = false;
    stopSocket = subscribe(QUERY, { ids: [...ids] }, (data) => {
      const event = data?.contentChanged;
      if (event) onChange(event);
    }, () => {
      // One failure per socket: errors may arrive both as a message and a close.
      if (failed || stopped) return;
      failed = true;
      stopSocket?.();
      if (Date.now() - openedAt > HEALTHY_MS) failures = 0;
      failures += 1;
      if (failures > MAX_RETRIES) return;
      timer = setTimeout(connect, Math.min(60000, 2000 * 2 ** (failures - 1)));
    });
  };

  try {
    connect();
  } catch (e) {
    // No WebSocket here (or a bad address): no live updates, nothing else changes.
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
    stopSocket?.();
  };
}
