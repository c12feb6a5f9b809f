import type { FontChain } from '../fonts/font-book';

// Spaces, digits, punctuation and combining marks belong to no script of their own.
const NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;

/**
 * The face of each code unit of `text` (an index in `chain.faces`; both halves of a
 * surrogate pair get the same). A letter gets the first face that has it, as in a CSS font
 * stack. A neutral character stays with the face before it when that face has it too, so
 * "東京、大阪" or "مرحبا، 2024" is not cut into runs at each space or comma and is shaped
 * as one piece. A character no face has (a format character, or one the caller checked
 * for) stays with the face before it as well.
 */
export function assignFaces(text: string, chain: FontChain): Uint8Array {
  const faces = new Uint8Array(text.length);
  let previous = -1;
  for (let i = 0; i < text.length;) {
    const codePoint = text.codePointAt(i)!;
    const units = codePoint > 0xffff ? 2 : 1;
    let face = chain.first(codePoint);
    if (
      face !== previous &&
      previous !== -1 &&
      (face === -1 ||
        (NEUTRAL.test(String.fromCodePoint(codePoint)) && chain.faces[previous].has(codePoint)))
    ) {
      face = previous;
    }
    if (face === -1) face = 0;
    faces.fill(face, i, i + units);
    previous = face;
    i += units;
  }
  return faces;
}
