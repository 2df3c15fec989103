/**
 * An export file read as a stream of lines (File.stream() + TextDecoderStream): one line is held at a time,
 * so a year of entries with their frames is checked without loading the file.
 */

export async function* readLines(file: Blob): AsyncGenerator<string> {
  const reader = file.stream().pipeThrough(new TextDecoderStream()).getReader();
  // A line with a frame spans many chunks: keep the pieces and search only the new chunk for the newline.
  let pieces: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let start = 0;
      let cut: number;
      while ((cut = value.indexOf('\n', start)) >= 0) {
        pieces.push(value.slice(start, cut));
        yield stripCr(pieces.join(''));
        pieces = [];
        start = cut + 1;
      }
      if (start < value.length) pieces.push(value.slice(start));
    }
    if (pieces.length) yield stripCr(pieces.join(''));
  } finally {
    // Stopped early (a malformed line): let go of the file now.
    await reader.cancel();
  }
}

/** A file saved on Windows has CRLF line ends: the CR is not part of the JSON (as readline's crlfDelay). */
const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
