// A run under way lives only in this page: closing or reloading the tab would lose its training. While one
// trains (or is paused), leaving asks first, with the browser's own "Leave site?" dialog (browsers show it only
// once the user has interacted with the page, and word it themselves).

/** Asks before the page unloads whenever `active()`; returns the listener's remover. */
export function guardLeaving(active: () => boolean): () => void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!active()) return;
    e.preventDefault();
    e.returnValue = ''; // what Chrome before 119 needs to ask
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  return () => window.removeEventListener('beforeunload', onBeforeUnload);
}
