/**
 * The UTF-8 size of a string without encoding it: the producer must know an item's size when
 * it is appended (maxBatchBytes), but encodes a whole batch in one pass when it is sealed.
 * Counts as TextEncoder encodes: a lone surrogate becomes U+FFFD (3 bytes).
 */
const NON_ASCII = /[\u0080-\uffff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a string has a surrogate without its partner. Such a string must be encoded on its
 * own: joined to a neighbour, a trailing high and a leading low surrogate would pair up.
 */
export function hasLoneSurrogate(text: string): boolean {
  return NON_ASCII.test(text) && LONE_SURROGATE.test(text);
}

export function utf8Length(text: string): number {
  // Most items are ASCII: one native scan, no loop in script.
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: one code point of 4 bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
