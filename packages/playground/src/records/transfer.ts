import { readTar, saveFilesToDirectory, type TarEntry, type WritableDirectory } from '@precond/runtime-browser';

/** Offer `data` as a download called `name` (an <a download> click: works in every browser). */
export function downloadBytes(data: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference to the blob once it starts.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

type DirectoryPicker = (options: { mode: 'readwrite' }) => Promise<WritableDirectory>;

/** Whether this browser can save into a folder the user picks (the File System Access API: Chromium). */
export function canSaveFolders(): boolean {
  return typeof (globalThis as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';
}

/** Ask for a folder and write `files` into it; false when the user cancelled the picker. */
export async function saveToPickedFolder(files: readonly TarEntry[]): Promise<boolean> {
  const pick = (globalThis as unknown as { showDirectoryPicker: DirectoryPicker }).showDirectoryPicker;
  let directory: WritableDirectory;
  try {
    directory = await pick({ mode: 'readwrite' });
  } catch (e) {
    if ((e as Error).name === 'AbortError') return false;
    throw e;
  }
  await saveFilesToDirectory(directory, files);
  return true;
}

/**
 * The files a user picked: a .tar is unpacked; other files keep the path inside the folder they
 * were picked with (`webkitRelativePath`), or their bare name.
 */
export async function filesFromPicker(list: FileList): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for (const file of Array.from(list)) {
    const data = new Uint8Array(await file.arrayBuffer());
    if (file.name.toLowerCase().endsWith('.tar')) out.push(...readTar(data));
    else out.push({ path: file.webkitRelativePath || file.name, data });
  }
  return out;
}
