// Files dropped onto the desktop window arrive as paths through one Wails
// handler (the shell's), which imports them. While the add-a-document
// dialog is open it takes them instead: a photo dropped there is a
// document to keep, not a record to import.

type Take = (paths: string[]) => void;
let taker: Take | null = null;

/** The open dialog takes dropped files until the returned function is called. */
export function takeDrops(fn: Take): () => void {
  taker = fn;
  return () => {
    if (taker === fn) taker = null;
  };
}

/** Hands dropped paths to the open dialog; false when none is open. */
export function offerDrop(paths: string[]): boolean {
  if (!taker || paths.length === 0) return false;
  taker(paths);
  return true;
}
