// Dropping a file on an element: a drag that carries files is accepted (so the drop event comes) and the first
// file dropped goes to `use`. Shared by the trainer (model files; pictures for its drawing pad) and the pad.

/** `own`: the drop is this element's alone, not also its ancestors' (the pad inside the trainer). */
export function onFileDrop(target: HTMLElement, use: (file: File) => void, own = false): void {
  target.addEventListener('dragover', (e) => {
    if (!e.dataTransfer || ![...e.dataTransfer.types].includes('Files')) return;
    e.preventDefault();
    if (own) e.stopPropagation();
    e.dataTransfer.dropEffect = 'copy';
  });
  target.addEventListener('drop', (e) => {
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    if (own) e.stopPropagation();
    use(file);
  });
}
