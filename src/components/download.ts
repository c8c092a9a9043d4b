// Offering a file the page made (a saved model, an export, a chart, a History) as a download.

/** Offers `blob` as a download named `name` (a temporary link, clicked). */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
