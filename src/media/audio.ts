// S31 / API.md hold-music: WAV or MP3 of at most 200 KB, recognised by content, not by name.
// A leaf module (#12): the API checks uploads with it; it imports nothing of the project.

export const MAX_HOLD_MUSIC_BYTES = 200 * 1024;

export type HoldMusicType = 'audio/wav' | 'audio/mpeg';

function ascii(buf: Buffer, offset: number, text: string): boolean {
  return buf.length >= offset + text.length && buf.toString('latin1', offset, offset + text.length) === text;
}

/** An MPEG audio frame header: 11-bit sync, then no reserved version, layer, bitrate, rate or emphasis. */
export function isMpegFrameHeader(buf: Buffer, offset: number): boolean {
  if (buf.length < offset + 4) return false;
  const b1 = buf[offset + 1] ?? 0;
  const b2 = buf[offset + 2] ?? 0;
  const b3 = buf[offset + 3] ?? 0;
  if (buf[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0b11; // 01 reserved
  const layer = (b1 >> 1) & 0b11; // 00 reserved (also what AAC's ADTS uses)
  const bitrate = b2 >> 4; // 0000 free format, 1111 bad
  const sampleRate = (b2 >> 2) & 0b11; // 11 reserved
  const emphasis = b3 & 0b11; // 10 reserved
  return (
    version !== 0b01 &&
    layer !== 0b00 &&
    bitrate !== 0b0000 &&
    bitrate !== 0b1111 &&
    sampleRate !== 0b11 &&
    emphasis !== 0b10
  );
}

/** ID3v2 header ("ID3", version 2–4, synchsafe size); returns the tag's total length or null. */
function id3v2Length(buf: Buffer): number | null {
  if (!ascii(buf, 0, 'ID3') || buf.length < 10) return null;
  const major = buf[3] ?? 0;
  const flags = buf[5] ?? 0;
  if (major < 2 || major > 4 || buf[4] === 0xff) return null;
  let size = 0;
  for (let i = 6; i < 10; i++) {
    const byte = buf[i] ?? 0;
    if (byte & 0x80) return null;
    size = (size << 7) | byte;
  }
  const footer = major === 4 && flags & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

/** Padding some encoders leave between the ID3 tag and the first frame. */
const MAX_GAP_AFTER_ID3 = 4096;

export function detectAudio(buf: Buffer): HoldMusicType | null {
  if (ascii(buf, 0, 'RIFF') && ascii(buf, 8, 'WAVE')) return 'audio/wav';
  if (isMpegFrameHeader(buf, 0)) return 'audio/mpeg';
  const tagLength = id3v2Length(buf);
  if (tagLength !== null) {
    // A tag alone proves nothing: an MPEG frame must follow it.
    const end = Math.min(buf.length - 4, tagLength + MAX_GAP_AFTER_ID3);
    for (let offset = tagLength; offset <= end; offset++) {
      if (isMpegFrameHeader(buf, offset)) return 'audio/mpeg';
    }
  }
  return null;
}

export type HoldMusicCheck =
  | { ok: true; contentType: HoldMusicType }
  | { ok: false; code: 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA'; message: string };

/** The upload rule of API.md: too big → 413, not WAV/MP3 → 415. */
export function checkHoldMusic(buf: Buffer): HoldMusicCheck {
  if (buf.length > MAX_HOLD_MUSIC_BYTES) {
    return { ok: false, code: 'PAYLOAD_TOO_LARGE', message: `hold music is limited to ${MAX_HOLD_MUSIC_BYTES} bytes` };
  }
  const contentType = detectAudio(buf);
  if (!contentType) return { ok: false, code: 'UNSUPPORTED_MEDIA', message: 'hold music must be a WAV or MP3 file' };
  return { ok: true, contentType };
}
