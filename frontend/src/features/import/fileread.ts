// Reads a browser File as base64 (without the data: URL prefix), for
// ImportFileContent. Used where no file path is available.
export function readAsBase64(file: Blob, onProgress?: (loaded: number, total: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded, e.total);
    };
    r.onerror = () => reject(new Error('The file could not be read.'));
    r.onload = () => {
      const url = String(r.result ?? '');
      const comma = url.indexOf(',');
      resolve(comma >= 0 ? url.slice(comma + 1) : '');
    };
    r.readAsDataURL(file);
  });
}
