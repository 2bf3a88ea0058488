// S31 / API.md hold-music: WAV and MP3 recognised by their bytes, anything else refused.
import { checkHoldMusic, detectAudio, MAX_HOLD_MUSIC_BYTES } from '../../src/media/audio';

/** A real PCM WAV: RIFF header, fmt chunk (mono, 8 kHz, 16 bit), data chunk. */
function wav(samples = 800): Buffer {
  const dataBytes = samples * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(8000, 24);
  buf.writeUInt32LE(16000, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);
  return buf;
}

/** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames. */
function mp3Frames(count = 3): Buffer {
  const frame = Buffer.alloc(417);
  Buffer.from([0xff, 0xfb, 0x90, 0x64]).copy(frame);
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/** An ID3v2.3 tag holding one TIT2 (title) frame. */
function id3Tag(): Buffer {
  const title = Buffer.concat([Buffer.from([0x00]), Buffer.from('Hold music', 'latin1')]);
  const frameHeader = Buffer.alloc(10);
  frameHeader.write('TIT2', 0, 'latin1');
  frameHeader.writeUInt32BE(title.length, 4);
  const body = Buffer.concat([frameHeader, title]);
  const header = Buffer.from([0x49, 0x44, 0x33, 0x03, 0x00, 0x00, 0, 0, 0, body.length]); // "ID3" v2.3, synchsafe size
  return Buffer.concat([header, body]);
}

describe('detectAudio', () => {
  test('a WAV file', () => {
    expect(detectAudio(wav())).toBe('audio/wav');
  });

  test('an MP3 starting with a frame sync', () => {
    expect(detectAudio(mp3Frames())).toBe('audio/mpeg');
  });

  test('an MPEG-2 Layer III frame (22.05 kHz) is MP3 too', () => {
    expect(detectAudio(Buffer.from([0xff, 0xf3, 0x90, 0x64, 0, 0, 0, 0]))).toBe('audio/mpeg');
  });

  test('an ID3-tagged MP3', () => {
    expect(detectAudio(Buffer.concat([id3Tag(), mp3Frames()]))).toBe('audio/mpeg');
  });

  test('an ID3 tag followed by no audio frame is refused', () => {
    expect(detectAudio(Buffer.concat([id3Tag(), Buffer.from('<html>not audio</html>')]))).toBeNull();
  });

  test.each([
    ['PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52])],
    ['text', Buffer.from('this is not hold music, it is a text file\n', 'utf8')],
    ['empty', Buffer.alloc(0)],
    [
      'an AVI (RIFF but not WAVE)',
      Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00AVI LIST', 'latin1'), Buffer.alloc(16)]),
    ],
    ['AAC in ADTS (sync but layer 00)', Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc])],
    ['a frame sync with a reserved bitrate', Buffer.from([0xff, 0xfb, 0xf0, 0x64])],
    ['a frame sync with a reserved sample rate', Buffer.from([0xff, 0xfb, 0x9c, 0x64])],
    ['a truncated WAV header', Buffer.from('RIFF\x24\x00', 'latin1')],
  ])('%s is refused', (_name, buf) => {
    expect(detectAudio(buf)).toBeNull();
  });
});

describe('checkHoldMusic', () => {
  test('up to 200 KB of MP3 or WAV is accepted with its content type', () => {
    const exactLimit = Buffer.concat([mp3Frames(1), Buffer.alloc(MAX_HOLD_MUSIC_BYTES - 417)]);
    expect(exactLimit.length).toBe(200 * 1024);
    expect(checkHoldMusic(exactLimit)).toEqual({ ok: true, contentType: 'audio/mpeg' });
    expect(checkHoldMusic(wav())).toEqual({ ok: true, contentType: 'audio/wav' });
  });

  test('one byte over 200 KB → PAYLOAD_TOO_LARGE; not audio → UNSUPPORTED_MEDIA', () => {
    const tooBig = Buffer.concat([mp3Frames(1), Buffer.alloc(MAX_HOLD_MUSIC_BYTES - 416)]);
    expect(checkHoldMusic(tooBig)).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
    expect(checkHoldMusic(Buffer.from('hello'))).toMatchObject({ ok: false, code: 'UNSUPPORTED_MEDIA' });
  });
});
