/** A part of a multipart/form-data body: a field, or a file when it has a filename. */
export interface FormPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/** A header token (RFC 9110): a boundary that is not one is quoted. */
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** A multipart/form-data body with `boundary`, and its Content-Type. */
export function multipart(boundary: string, parts: FormPart[]): { type: string; data: Buffer } {
  const chunks = parts.flatMap((part) => {
    const file = part.filename === undefined ? '' : `; filename="${part.filename}"`;
    const type = part.filename === undefined ? '' : '\r\nContent-Type: application/octet-stream';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${file}${type}\r\n\r\n`;
    return [Buffer.from(head, 'latin1'), part.data, Buffer.from('\r\n')];
  });
  return {
    type: `multipart/form-data; boundary=${TOKEN.test(boundary) ? boundary : `"${boundary}"`}`,
    data: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`, 'latin1')]),
  };
}
